"""Train rows of the `turbo-sim-reproduce --baselines` table ahead of it, e.g. in parallel processes on a small machine:

    python tools/train_rows.py THREADS EPOCHS 'turbo-sim best' AAE ...

The runs land in results/runs/<row>/ with exactly the configurations `turbo_sim.reproduce.run_configs` gives for the
default command line; `turbo-sim-reproduce --baselines --epochs EPOCHS` then finds them finished, keeps them (their training
time comes from their history), and evaluates and tabulates every row.
"""
import sys, torch
from pathlib import Path
from turbo_sim.reproduce import run_configs, _slug
from turbo_sim.train import TrainConfig, train
from turbo_sim.data import load_splits

if __name__ == '__main__':
    torch.set_num_threads(int(sys.argv[1]))
    epochs, names = int(sys.argv[2]), sys.argv[3:]
    splits = load_splits('data/ttbar.h5', TrainConfig().fractions, TrainConfig().split_seed)
    runs = run_configs('data/ttbar.h5', epochs, 'auto', True, max_train=0, max_val=20_000)
    for n in names:
        if n not in runs: sys.exit(f'unknown row {n!r}; rows: {list(runs)}')
        print('training', n, runs[n], flush=True)
        train(runs[n], Path('results/runs')/_slug(n), resume=True, data=splits, progress=True)
