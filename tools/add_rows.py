"""Add finished rows to the committed table without retraining the others:

    python tools/add_rows.py 'turbo-sim response' [--seeds 3] [--out results] [--threads 1]

The named rows' runs (out/runs/<row>/seed_<s>/, trained by tools/train_rows.py, checkpoints present) are evaluated on the
test split exactly as `turbo-sim-reproduce` evaluates (`turbo_sim.metrics.evaluate`, all 87,500 test events, evaluation
seed 0), every measure included; the rows already in out/ttbar_ks.csv keep their values (their checkpoints are not in
git, so the measures added after they were made stay empty for them), the floor is the new evaluation's, and
`turbo_sim.reproduce.write_results` chooses `turbo-sim best` on the validation split among all candidates, exports its
best seed and writes every table. out/rank_calibration.csv gets the rank-histogram deviation of each z column of every
added seed.
"""
import argparse, json, time
import numpy as np
import torch
from turbo_sim.config import TrainConfig
from turbo_sim.data import load_events, split_events, content_sha256
from turbo_sim.metrics import coordinate_names
from turbo_sim.reproduce import read_seed_table, write_results, evaluate_run


def main(rows, seeds=3, out='results', data='data/ttbar.h5'):
    t0, out = time.time(), __import__('pathlib').Path(out)
    z_all, x_all = load_events(data)
    splits = split_events(z_all, x_all, TrainConfig().fractions, TrainConfig().split_seed)
    z_te, x_te = splits['test']
    n_train = len(splits['train'][0])
    per_seed = {k: v for k, v in read_seed_table(out/'ttbar_ks.csv').items() if k not in ('turbo-sim best', 'floor')}
    old = json.loads((out/'run_info.json').read_text())
    val, info = dict(old['validation']), dict(old['runs'])
    ranks, floor = [], None
    for name in rows:
        per_seed[name], val[name] = [], []
        for s in range(seeds):
            result, v, info[f'{name} / seed {s}'] = evaluate_run(out, name, s, z_te, x_te, n_train)
            per_seed[name].append(result['model']); floor = result['floor']
            val[name].append(v)
            ranks.append((name, s, result['model']['rank_dev'], result['arrays']['rank_deviation']))
    budget = (f"Rows trained before Step 8: {old['epochs']} epochs each, as committed then (their runs' checkpoints are not in git: the measures added in Step 8 are empty for them). "
              f"Rows added with tools/add_rows.py ({', '.join(rows)}): until {info[f'{rows[0]} / seed 0']['patience']} epochs without improvement of the validation KS sum, "
              f"at most {info[f'{rows[0]} / seed 0']['epoch_cap']} epochs, x {n_train} events.")
    run = dict(data=str(data), device='cpu', seeds=seeds, epochs=old['epochs'], patience=old.get('patience', 0), added_rows=list(rows),
               added_with='tools/add_rows.py', earlier_seconds=old.get('earlier_seconds', old.get('seconds')))
    write_results(out, per_seed, floor, val, info, run, f'{len(z_te)} test events of {data}', budget, content_sha256(z_all, x_all), time.time() - t0)
    if ranks and ranks[0][3] is not None:
        cols = coordinate_names('z')
        lines = ['model,seed,' + ','.join(cols)] + [f'{n},{s},' + ','.join(f'{v:.4g}' for v in dev) for n, s, _, dev in ranks]
        (out/'rank_calibration.csv').write_text('\n'.join(lines) + '\n')


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('rows', nargs='+'); p.add_argument('--seeds', type=int, default=3); p.add_argument('--out', default='results')
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    main(a.rows, a.seeds, a.out)
