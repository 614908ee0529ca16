"""Train rows of the `turbo-sim-reproduce --baselines --seeds S` table ahead of it, e.g. in parallel processes on a small machine:

    python tools/train_rows.py THREADS EPOCHS SEEDS 'turbo-sim mlp' AAE ...

Seed by seed (all the named rows with seed 0, then with seed 1, ...), the runs land in results/runs/<row>/seed_<s>/ with exactly
the configurations `turbo_sim.reproduce.run_configs` gives for the default command line; `turbo-sim-reproduce --baselines
--epochs EPOCHS --seeds SEEDS --out results` then finds them finished, keeps them (their training time comes from their
history), and evaluates and tabulates every row.
"""
import sys, torch
from dataclasses import replace
from turbo_sim.reproduce import run_configs, seed_dir
from turbo_sim.train import TrainConfig, train
from turbo_sim.data import load_splits

if __name__ == '__main__':
    torch.set_num_threads(int(sys.argv[1]))
    epochs, seeds, names = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    runs = run_configs('data/ttbar.h5', epochs, 'auto', True, max_train=0, max_val=20_000)
    if unknown := [n for n in names if n not in runs]: sys.exit(f'unknown rows {unknown}; rows: {list(runs)}')
    splits = load_splits('data/ttbar.h5', TrainConfig().fractions, TrainConfig().split_seed)
    for s in range(seeds):
        for n in names:
            print('training', n, 'seed', s, flush=True)
            train(replace(runs[n], seed=s), seed_dir('results', n, s), resume=True, data=splits, progress=False)
