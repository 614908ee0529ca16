"""Train rows of the `turbo-sim-reproduce --baselines --seeds S` table ahead of it, e.g. in parallel processes on a small machine:

    python tools/train_rows.py THREADS EPOCHS SEEDS [--patience P] [--only-seeds 0,2] [--commit] 'turbo-sim mlp' AAE ...

Seed by seed (all the named rows with seed 0, then with seed 1, ...), the runs land in results/runs/<row>/seed_<s>/ with exactly
the configurations `turbo_sim.reproduce.run_configs` gives for the same command line (`--epochs EPOCHS --patience P`); each run
resumes where it stopped. `turbo-sim-reproduce --baselines --epochs EPOCHS --patience P --seeds SEEDS --out results` then finds
them finished, keeps them (their training time comes from their history), and evaluates and tabulates every row.
With --commit, each finished run's record (config.json, history.csv) is committed to git as soon as it finishes: only git
survives a new machine.
"""
import subprocess, sys, torch
from dataclasses import replace
from turbo_sim.reproduce import run_configs, seed_dir
from turbo_sim.config import TrainConfig
from turbo_sim.train import train
from turbo_sim.data import load_splits

def commit_record(run_dir, message):
    "Commit the run's config.json and history.csv, and nothing else that may be staged"
    paths = [str(run_dir/'config.json'), str(run_dir/'history.csv')]
    subprocess.run(['git', 'add', *paths], check=True)
    subprocess.run(['git', 'commit', '-q', '-m', message, '--', *paths], check=False)

if __name__ == '__main__':
    args = sys.argv[1:]
    patience = int(args.pop(args.index('--patience') + 1)) if '--patience' in args else 0
    if '--patience' in args: args.remove('--patience')
    only = [int(v) for v in args.pop(args.index('--only-seeds') + 1).split(',')] if '--only-seeds' in args else None
    if '--only-seeds' in args: args.remove('--only-seeds')
    commit = '--commit' in args
    if commit: args.remove('--commit')
    torch.set_num_threads(int(args[0]))
    epochs, seeds, names = int(args[1]), int(args[2]), args[3:]
    runs = run_configs('data/ttbar.h5', epochs, 'auto', True, max_train=0, max_val=20_000, patience=patience)
    if unknown := [n for n in names if n not in runs]: sys.exit(f'unknown rows {unknown}; rows: {list(runs)}')
    splits = load_splits('data/ttbar.h5', TrainConfig().fractions, TrainConfig().split_seed)
    for s in (range(seeds) if only is None else only):
        for n in names:
            print('training', n, 'seed', s, flush=True)
            run_dir = seed_dir('results', n, s)
            train(replace(runs[n], seed=s), run_dir, resume=True, data=splits, progress=False)
            if commit: commit_record(run_dir, f'results/runs: {n!r} seed {s} trained ({"until " + str(patience) + " epochs without improvement, " if patience else ""}at most {epochs} epochs), its record')
