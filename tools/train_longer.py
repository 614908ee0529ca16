"""Train one row of the Step 5 table with a longer budget than the table's, to see whether the budget limits it:

    python tools/train_longer.py THREADS EPOCHS 'turbo-sim flow + attention' SEED OUT

The configuration is exactly `turbo_sim.reproduce.run_configs`' for that row, with EPOCHS passes (the cosine schedule
stretches with them); the run is resumable and lands in OUT (config.json, last.pt, best.pt, history.csv). Evaluate it
with `turbo-sim-evaluate --model OUT/best.pt --out OUT/evaluation`.
"""
import sys, torch
from dataclasses import replace
from turbo_sim.reproduce import run_configs
from turbo_sim.config import TrainConfig
from turbo_sim.train import train
from turbo_sim.data import load_splits

if __name__ == '__main__':
    if len(sys.argv) != 6: sys.exit(__doc__)
    torch.set_num_threads(int(sys.argv[1]))
    epochs, name, seed, out = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    runs = run_configs('data/ttbar.h5', epochs, 'auto', True, max_train=0, max_val=20_000)
    if name not in runs: sys.exit(f'unknown row {name!r}; rows: {list(runs)}')
    splits = load_splits('data/ttbar.h5', TrainConfig().fractions, TrainConfig().split_seed)
    train(replace(runs[name], seed=seed), out, resume=True, data=splits, progress=False)
