"""Train rows of the `turbo-sim-reproduce --baselines --seeds S` table ahead of it, e.g. in parallel processes on a small machine:

    python tools/train_rows.py THREADS EPOCHS SEEDS [--patience P] [--only-seeds 0,2] [--commit] 'turbo-sim mlp' AAE ...

A variant of one row, not yet in the table, trains under its own name with some settings changed, e.g.

    python tools/train_rows.py 1 30 3 --patience 10 --as 'turbo-sim response met-nu flag' --set unmatched_flag=True 'turbo-sim response met-nu'

Seed by seed (all the named rows with seed 0, then with seed 1, ...), the runs land in STAGE/runs/<row>/seed_<s>/ (STAGE:
--stage, default results/plateau) with exactly the configurations `turbo_sim.reproduce.run_configs` gives for the same
command line (`--epochs EPOCHS --patience P`); each run resumes where it stopped. They are staged outside results/runs/,
whose records are those of the committed table, until `python tools/add_rows.py ROW --stage STAGE` moves a row's finished
seeds there and evaluates them into the table. (`turbo-sim-reproduce --baselines --epochs EPOCHS --patience P --seeds SEEDS
--out STAGE` would also find them finished, keep them and tabulate every row.)
With --commit, each finished run's record (config.json, history.csv) and checkpoints (best.pt, last.pt: the evaluation
needs them) are committed to git as soon as it finishes: only git survives a new machine. Before a session ends, commit
the last.pt of the unfinished run as well (`git add -f`).
"""
import ast, sys, torch
from dataclasses import replace
from turbo_sim.reproduce import run_configs, seed_dir
from turbo_sim.config import TrainConfig
from turbo_sim.train import train
from turbo_sim.data import load_splits
from scan_rows import git_commit   # (tools/ is on the path of a script run from it)

def commit_record(run_dir, message):
    "Commit the run's config.json, history.csv, best.pt and last.pt, and nothing else that may be staged (retried while another git process holds the index)"
    git_commit([run_dir/f for f in ('config.json', 'history.csv', 'best.pt', 'last.pt')], message)

if __name__ == '__main__':
    args = sys.argv[1:]
    patience = int(args.pop(args.index('--patience') + 1)) if '--patience' in args else 0
    if '--patience' in args: args.remove('--patience')
    only = [int(v) for v in args.pop(args.index('--only-seeds') + 1).split(',')] if '--only-seeds' in args else None
    if '--only-seeds' in args: args.remove('--only-seeds')
    stage = args.pop(args.index('--stage') + 1) if '--stage' in args else 'results/plateau'
    if '--stage' in args: args.remove('--stage')
    variant = args.pop(args.index('--as') + 1) if '--as' in args else None
    if '--as' in args: args.remove('--as')
    sets = {}
    while '--set' in args:
        key, value = args.pop(args.index('--set') + 1).split('=', 1); args.remove('--set')
        sets[key] = ast.literal_eval(value)
    commit = '--commit' in args
    if commit: args.remove('--commit')
    torch.set_num_threads(int(args[0]))
    epochs, seeds, names = int(args[1]), int(args[2]), args[3:]
    runs = run_configs('data/ttbar.h5', epochs, 'auto', True, max_train=0, max_val=20_000, patience=patience)
    if unknown := [n for n in names if n not in runs]: sys.exit(f'unknown rows {unknown}; rows: {list(runs)}')
    if variant is not None:
        if len(names) != 1 or not sets: sys.exit('--as NAME needs exactly one row to vary and at least one --set KEY=VALUE')
        runs[variant] = replace(runs[names[0]], **sets); names = [variant]
    splits = load_splits('data/ttbar.h5', TrainConfig().fractions, TrainConfig().split_seed)
    for s in (range(seeds) if only is None else only):
        for n in names:
            print('training', n, 'seed', s, flush=True)
            run_dir = seed_dir(stage, n, s)
            train(replace(runs[n], seed=s), run_dir, resume=True, data=splits, progress=False)
            if commit: commit_record(run_dir, f'{stage}: {n!r} seed {s} trained ({"until " + str(patience) + " epochs without improvement, " if patience else ""}at most {epochs} epochs), its record and checkpoints')
