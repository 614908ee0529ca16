"""Add finished rows to the committed table without retraining the others:

    python tools/add_rows.py 'turbo-sim response' [--seeds 3] [--out results] [--stage results/plateau] [--threads 1]

With --stage, each named row's seeds are first moved from STAGE/runs/<row>/seed_<s>/ (where tools/train_rows.py trains
them) to out/runs/<row>/seed_<s>/, replacing the records of the runs the table had for that row; a run that has not
reached its plateau or its cap is refused.

The named rows' runs (out/runs/<row>/seed_<s>/, trained by tools/train_rows.py, checkpoints present) are evaluated on the
test split exactly as `turbo-sim-reproduce` evaluates (`turbo_sim.metrics.evaluate`, all 87,500 test events, evaluation
seed 0), every measure included; the rows already in out/ttbar_ks.csv keep their values (their checkpoints are not in
git, so the measures added after they were made stay empty for them), the floor is the new evaluation's, and
`turbo_sim.reproduce.write_results` chooses `turbo-sim best` on the validation split among all candidates, exports its
best seed and writes every table. out/rank_calibration.csv gets the rank-histogram deviation of each z column of every
added seed (the rows added before keep theirs).
"""
import argparse, json, shutil, sys, time
import numpy as np
import pandas as pd
import torch
from turbo_sim.config import TrainConfig
from turbo_sim.data import load_events, split_events, content_sha256
from turbo_sim.metrics import coordinate_names
from turbo_sim.reproduce import read_seed_table, write_results, evaluate_run, seed_dir
from turbo_sim.models import load_checkpoint
from turbo_sim.train import plateaued


def unstage(rows, seeds, stage, out):
    "Move the finished runs of `rows` from `stage` into `out`/runs, replacing what is there; stop on an unfinished one"
    for name in rows:
        for s in range(seeds):
            src, dst = seed_dir(stage, name, s), seed_dir(out, name, s)
            if not src.exists() and (dst/'last.pt').exists(): continue   # in the table's folder already (re-evaluated as it is)
            if not (src/'last.pt').exists(): sys.exit(f'{src}: no run there (last.pt is missing); train it with tools/train_rows.py')
            last = load_checkpoint(src/'last.pt')
            cfg = json.loads(last['config'])
            if not (last['epoch'] + 1 >= cfg['epochs'] or plateaued(json.loads(last['history']), cfg.get('patience', 0))):
                sys.exit(f"{src}: the run has {last['epoch'] + 1} of at most {cfg['epochs']} epochs and has not reached its plateau; finish it first")
    for name in rows:
        for s in range(seeds):
            src, dst = seed_dir(stage, name, s), seed_dir(out, name, s)
            if not src.exists(): continue
            if dst.exists(): shutil.rmtree(dst)
            dst.parent.mkdir(parents=True, exist_ok=True); shutil.move(str(src), str(dst))
            print(f'moved {src} -> {dst}', flush=True)


def main(rows, seeds=3, out='results', data='data/ttbar.h5', stage=None):
    t0, out = time.time(), __import__('pathlib').Path(out)
    if stage: unstage(rows, seeds, stage, out)
    z_all, x_all = load_events(data)
    splits = split_events(z_all, x_all, TrainConfig().fractions, TrainConfig().split_seed)
    z_te, x_te = splits['test']
    n_train = len(splits['train'][0])
    kept = read_seed_table(out/'ttbar_ks.csv')
    kept = kept[~kept.model.isin(['turbo-sim best', 'floor', *rows])]      # the rows not re-evaluated keep their values
    old = json.loads((out/'run_info.json').read_text())
    val, info = dict(old['validation']), dict(old['runs'])
    records, ranks, floor = [], [], None
    for name in rows:
        val[name] = []
        for s in range(seeds):
            result, v, info[f'{name} / seed {s}'] = evaluate_run(out, name, s, z_te, x_te, n_train)
            records.append({'model': name, 'seed': s, **result['model']}); floor = result['floor']
            val[name].append(v)
            if result['arrays'].get('rank_deviation') is not None:
                ranks.append({'model': name, 'seed': s, **dict(zip(coordinate_names('z'), result['arrays']['rank_deviation']))})
    added = [r for r in old.get('added_rows', []) if r not in rows] + list(rows)   # every row added so far, in the table's order
    budget = (f"Rows trained before Step 8: {old['epochs']} epochs each, as committed then (their runs' checkpoints are not in git: the measures added in Step 8 are empty for them). "
              f"Rows added with tools/add_rows.py ({', '.join(added)}): until {info[f'{rows[0]} / seed 0']['patience']} epochs without improvement of the validation KS sum, "
              f"at most {info[f'{rows[0]} / seed 0']['epoch_cap']} epochs, x {n_train} events.")
    run = dict(data=str(data), device='cpu', seeds=seeds, epochs=old['epochs'], patience=old.get('patience', 0), added_rows=added,
               added_with='tools/add_rows.py', earlier_seconds=old.get('earlier_seconds', old.get('seconds')))
    runs = pd.concat([kept, pd.DataFrame(records).astype({'seed': 'Int64'})], ignore_index=True)
    write_results(out, runs, floor, val, info, run, f'{len(z_te)} test events of {data}', budget, content_sha256(z_all, x_all), time.time() - t0)
    if ranks:
        path = out/'rank_calibration.csv'
        old = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=['model', 'seed'])
        pd.concat([old[~old.model.isin(rows)], pd.DataFrame(ranks)], ignore_index=True).to_csv(path, index=False, float_format='%.4g')


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('rows', nargs='+'); p.add_argument('--seeds', type=int, default=3); p.add_argument('--out', default='results')
    p.add_argument('--threads', type=int, default=1); p.add_argument('--stage', default=None)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    main(a.rows, a.seeds, a.out, stage=a.stage)
