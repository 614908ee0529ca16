"""The encoder's tops absolute, or relative to the tops the χ² reconstructs from x (issue 18: "whichever the numbers favour")?

    python benchmarks/unfold_reference.py REFERENCE EPOCHS [OUT]      # REFERENCE: absolute or chi2; OUT default runs/unfold_reference

Trains `turbo-sim response met-nu` (seed 0, one thread) with `unfold_reference=REFERENCE` for EPOCHS epochs into
OUT/REFERENCE (resumed if there), and prints, for its best validation checkpoint, on 20,000 test events:
- `nll_z`: the held-out -log q(z|x) in nats/event over the 18 momenta in GeV (Jacobian included: the two choices compare);
- `parton_mass_ks`: KS x 1e-2 of the four masses of `unfold(x)` against the true partons of the same events, and their
  `floor` (the truth of other test events against them);
- `z_ks_sum`: the KS sum of the b quark's three columns of the talk's table.
Its validation history (`val_ks_unfold` per epoch) is in OUT/REFERENCE/history.csv. The decoder is the same in both
runs (same seed and data order; the two flows do not share parameters), so `val_ks_simulate` is identical: a check.
The record of 2026-12-07 (6 epochs each) is in results/pilots/unfold_reference/.
"""
import sys, json, time
import numpy as np
import torch
from dataclasses import replace
from turbo_sim.reproduce import run_configs
from turbo_sim.train import train
from turbo_sim.data import load_splits
from turbo_sim.models import load_model
from turbo_sim.metrics import conditional_nll, parton_mass_columns, distance_row, columns

if __name__ == '__main__':
    torch.set_num_threads(1)
    ref, epochs = sys.argv[1], int(sys.argv[2])
    out = f"{sys.argv[3] if len(sys.argv) > 3 else 'runs/unfold_reference'}/{ref}"
    splits = load_splits('data/ttbar.h5')
    cfg = replace(run_configs('data/ttbar.h5', epochs, 'cpu', max_train=0, max_val=20_000)['turbo-sim response met-nu'], unfold_reference=ref, seed=0)
    t = time.time(); train(cfg, out, resume=True, progress=False); secs = time.time() - t
    model = load_model(f'{out}/best.pt')
    zt, xt = splits['test']
    z1, x1, z2 = zt[:20_000], xt[:20_000], zt[20_000:40_000]
    zu = model.unfold(x1, seed=0)
    ks100 = lambda row: {k: round(100 * v, 2) for k, v in row.items()}
    res = dict(ref=ref, epochs=epochs, train_s=round(secs), nll_z=float(np.mean(conditional_nll(model, z1[:10_000], x1[:10_000], 'z'))),
               parton_mass_ks=ks100(distance_row(parton_mass_columns(zu), parton_mass_columns(z1))),
               floor=ks100(distance_row(parton_mass_columns(z2), parton_mass_columns(z1))),
               z_ks_sum=round(float(sum(v for k, v in distance_row(columns(zu, x1), columns(z1, x1)).items() if k in ('b_py', 'b_pz', 'b_E'))), 4))
    print(json.dumps(res))
    with open(f'{out}/pilot.json', 'w') as f: f.write(json.dumps(res))
