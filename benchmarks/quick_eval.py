"""A quick look at decoders before a full evaluation: the four detector-level masses and the two classifiers of Step 8.

    python benchmarks/quick_eval.py CHECKPOINT [CHECKPOINT ...]

For each checkpoint, on 20,000 events of each half of the test split (`turbo_sim.metrics.halves`, seed 0): simulate
the first half's partons (seed 0, under the selection, at most 10,000 draws an event), and print the KS distances
x 1e-2 of m_tt, m_W^had, m_t^lep, m_t^had (χ² reconstruction of `01_physics`) against the second half's detector events,
the classifier AUC on x and the pair classifier AUC on (z, x). The numbers differ from the table's (87,500 test
events, 43,750 a half): use it to compare checkpoints in one run, not against the table.
"""
import sys, json
import numpy as np
import torch
from turbo_sim.models import load_model
from turbo_sim.data import load_splits
from turbo_sim.metrics import halves, classifier_auc, distance_row
from turbo_sim.physics import reco_observables

if __name__ == '__main__':
    torch.set_num_threads(1)
    zt, xt = load_splits('data/ttbar.h5')['test']
    i1, i2 = halves(len(zt), 0)
    z1, z2, x2 = zt[i1][:20_000], zt[i2][:20_000], xt[i2][:20_000]
    r2 = reco_observables(x2.astype(float))
    for path in sys.argv[1:]:
        model = load_model(path)
        xs = model.simulate(z1, seed=0, strict=False).astype(float)
        ks = {k: round(100 * v, 2) for k, v in distance_row(reco_observables(xs), r2).items()}
        print(path, json.dumps(ks), 'AUC x', round(classifier_auc(xs, x2, 0), 3),
              'pair', round(classifier_auc(np.hstack([z1, xs]), np.hstack([z2, x2]), 0), 3), flush=True)
