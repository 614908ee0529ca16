"""Pilot (issue 19): is a coarse-to-fine code a plateau that new directions could leave? Revive its inactive directions and train on.

    python benchmarks/revive_directions.py BETA OUT

Loads the coarse-to-fine seed-0 run at BETA (results/beta_scan), gives each inactive latent direction (KL <= ACTIVE_NATS)
a random encoder mean row (the active rows' spread), unit variance and a small random decoder column (a tenth of the
active columns' spread), then trains with the run's own configuration to its gate, printing each epoch. If the
directions switch on and the loss falls to the fine-to-coarse chain's, the code was a saddle; if not, a local optimum.
Seen 2026-12-07 at 4.7 GeV (shared core, stopped by hand after 8 epochs): validation loss 12.86 (coarse-to-fine 12.75, fine-to-coarse 12.14),
still 3 active directions.
"""
import sys, json, os, torch
torch.set_num_threads(1)
from turbo_sim.jet_vae import load_jet_vae, train_jet_vae, read_scan, scan_chains, ACTIVE_NATS
from turbo_sim.models import save_checkpoint
beta = float(sys.argv[1]); out = sys.argv[2]
src = f'results/beta_scan/coarse-to-fine_seed0/beta_{beta:g}/best.pt'
model, cfg = load_jet_vae(src)
chain = scan_chains(read_scan('results/beta_scan/scan.csv'))[('coarse-to-fine', 0)]
kl = torch.as_tensor(chain['kl_per_direction'][list(chain['beta_GeV']).index(beta)])
dead = kl <= ACTIVE_NATS
print('inactive directions', int(dead.sum()), 'of', len(kl))
g = torch.Generator().manual_seed(1)
L = cfg.n_latent
with torch.no_grad():
    last = model.encoder.F[-1]                     # (2L, hidden): mean rows then log-var rows
    w = last.weight
    scale = w[:L][~dead].std().item() if (~dead).any() else 0.1
    w[:L][dead] = scale * torch.randn(int(dead.sum()), w.shape[1], generator=g); last.bias[:L][dead] = 0
    w[L:][dead] = 0; last.bias[L:][dead] = 0       # unit variance
    first = model.decoder.net[0]                    # (hidden, L)
    cs = first.weight[:, ~dead].std().item()
    first.weight[:, dead] = 0.1 * cs * torch.randn(first.weight.shape[0], int(dead.sum()), generator=g)
os.makedirs(out, exist_ok=True); init = f'{out}/revived_init.pt'
save_checkpoint(init, dict(config=json.dumps(cfg.to_dict()), epoch=0, model=model.state_dict(), val_loss=float('nan')))
train_jet_vae(cfg, out, resume=True, init=init, progress=True)
