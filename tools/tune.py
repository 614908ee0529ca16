"""Short tuning runs of `turbo-sim best` variants, evaluated with the talk's protocol on the validation split.

    python tools/tune.py EPOCHS MAX_TRAIN NAME '{"json": "overrides"}' [NAME '{...}' ...]

Each run starts from `turbo_sim.reproduce.best_config`, applies the overrides (the key "w" holds loss-weight overrides),
trains on one CPU thread into /tmp/turbo-sim-tune/NAME and prints one line of KS x 1e-2 (ten columns, sums of the six
trained columns and of the four masses). The runs of results/tuning.md were made with an earlier version that scored
on the first 30,000 test events; this one scores on the validation split, as model choices should be.
"""
import sys, json, time, torch
from pathlib import Path
from dataclasses import replace
from turbo_sim.reproduce import best_config
from turbo_sim.config import TrainConfig
from turbo_sim.models import load_model
from turbo_sim.train import train
from turbo_sim.data import load_splits
from turbo_sim.metrics import evaluate

if __name__ == '__main__':
    torch.set_num_threads(1)
    epochs, max_train = int(sys.argv[1]), int(sys.argv[2])
    splits = load_splits('data/ttbar.h5', TrainConfig().fractions, TrainConfig().split_seed)
    z_va, x_va = splits['val']
    args = sys.argv[3:]
    for name, over in zip(args[::2], args[1::2]):
        over = json.loads(over)
        w = dict(best_config('').weights) | over.pop('w', {})
        cfg = replace(best_config('data/ttbar.h5', epochs, 'cpu', max_train=max_train, max_val=5000, **over), weights=tuple(w.items()))
        t = time.time()
        train(cfg, Path('/tmp/turbo-sim-tune')/name, progress=False, force=True)   # a rerun of the study replaces its runs
        r = evaluate(load_model(Path('/tmp/turbo-sim-tune')/name/'best.pt'), z_va[5000:], x_va[5000:], extras=False)['model']
        vals = [100 * v for v in r.values()]
        print(f"{name:28s} {time.time() - t:5.0f}s " + ' '.join(f'{v:6.2f}' for v in vals)
              + f" | sum6 {sum(vals[:6]):6.2f} sum4 {sum(vals[6:]):6.2f}", flush=True)
