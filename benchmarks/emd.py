"""Which EMD for the jet VAE: every method of `turbo_sim.emd.EMD_METHODS` checked against POT's `ot.emd2` on pairs of
W jets and timed forward + backward on a batch of 256 pairs of 50 x 50 clouds; then one training step of the jet VAE
with the chosen distance, which sizes the beta scans.

Accuracy: relative error |method / ot.emd2 - 1| on `--pairs` pairs of jets of `--data` (jet i against jet i + pairs)
and on as many pairs of a jet and its `smeared_jets` stand-in for a VAE reconstruction (50 particles, all of positive
weight, as the decoder emits; about 20 GeV from the jet). A method is within 1% when the mean and the 99th percentile
of its error are, on both kinds of pairs. The default is the fastest of those.

Speed: pairs per second forward + backward (gradients to the weights and coordinates of the reconstruction side), on
`--batch` smeared jets against their jets, 50 particle slots each, on the CPU with `--threads` threads, the median of
`--repeats` rounds after a warm-up, the methods taking turns in each round (the same load for all); Sinkhorn methods also on
CUDA when present.

    python benchmarks/emd.py [--threads 1] [--batch 256] [--pairs 1000] [--repeats 5] [--steps 10] [--data data/wjets.h5]
"""
import argparse, platform, time
import numpy as np
import torch
from turbo_sim.emd import EMD_METHODS, DEFAULT_EMD, jet_emd, exact_emd, smeared_jets
from turbo_sim.jets import load_jets
from turbo_sim.jet_vae import JetVAE, JetVAEConfig, jet_vae_terms, jet_vae_loss


def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or 'unknown CPU'


def timed(fns:dict, device, repeats):
    "{name: median seconds of fn()} over `repeats` rounds after a warm-up, the functions taking turns in each round so that all see the same load"
    for fn in fns.values(): fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            if device.type == 'cuda': torch.cuda.synchronize(device)
            start = time.perf_counter(); fn()
            if device.type == 'cuda': torch.cuda.synchronize(device)
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def pair_sets(jets, n):
    "Two sets of `n` pairs (w_a, x_a, w_b, x_b): W jets against other W jets, and smeared W jets against their jets"
    w, x = torch.as_tensor(jets['weights'][:2 * n]), torch.as_tensor(jets['coords'][:2 * n])
    return {'W jet pairs': (w[:n], x[:n], w[n:], x[n:]), 'smeared jets': (*smeared_jets(w[:n], x[:n]), w[:n], x[:n])}


def accuracy(sets):
    "{method: {kind: (mean, 99th percentile, max) of |method / ot.emd2 - 1|}}, printed"
    reference = {kind: exact_emd(*pairs) for kind, pairs in sets.items()}
    for kind, ref in reference.items(): print(f'{kind}: {len(ref)} pairs, ot.emd2 x 500 GeV: mean {500 * ref.mean():.1f} GeV')
    result = {}
    for name in EMD_METHODS:
        result[name] = {}
        for kind, pairs in sets.items():
            with torch.no_grad(): r = np.abs(jet_emd(*pairs, method=name).double().numpy() / reference[kind] - 1)
            result[name][kind] = (r.mean(), np.percentile(r, 99), r.max())
        print(f'  {name:16s}' + ' | '.join(f'{k}: mean {m:.1e}, 99% {p:.1e}, max {M:.1e}' for k, (m, p, M) in result[name].items()))
    return result


def speed(pairs, device, repeats, names):
    "{method: pairs/s} forward + backward on `pairs` moved to `device`, printed"
    w_a, x_a, w_b, x_b = (t.to(device) for t in pairs)
    def step(name):
        w, x = w_a.clone().requires_grad_(), x_a.clone().requires_grad_()
        jet_emd(w, x, w_b, x_b, method=name).sum().backward()
    seconds = timed({name: (lambda name=name: step(name)) for name in names}, device, repeats)
    for name, s in seconds.items(): print(f'  [{device}] {name:16s}: {1e3 * s:8.1f} ms per batch of {len(w_a)}, {len(w_a) / s:8.0f} pairs/s')
    return {name: len(w_a) / s for name, s in seconds.items()}


def train_steps_ms(jets, settings, batch, steps):
    "{(distance, hidden): median milliseconds of one training step of the jet VAE (forward, loss, backward, Adam)} on the CPU"
    w, x, m = (torch.as_tensor(jets[k][:batch]) for k in ('weights', 'coords', 'mask'))
    def make(distance, hidden):
        cfg = JetVAEConfig(hidden=hidden, distance=distance, batch_size=batch, device='cpu')
        torch.manual_seed(0)
        model = JetVAE(cfg.n_latent, cfg.hidden, cfg.n_out)
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        def step():
            emd2, kl = jet_vae_terms(model, w, x, m, torch.randn(batch, cfg.n_latent), cfg)
            opt.zero_grad(); jet_vae_loss(emd2, kl, 10.).backward(); opt.step()
        return step
    return {k: 1e3 * s for k, s in timed({k: make(*k) for k in settings}, torch.device('cpu'), steps).items()}


def main(threads=1, batch=256, pairs=1000, repeats=5, steps=10, data='data/wjets.h5'):
    if threads: torch.set_num_threads(threads)
    print(f'torch {torch.__version__}, {cpu_name()}, {torch.get_num_threads()} CPU thread(s)')
    jets = load_jets(data)
    print(f'== accuracy against ot.emd2 ({data})')
    acc = accuracy(pair_sets(jets, pairs))
    within = [n for n, kinds in acc.items() if all(m < 0.01 and p < 0.01 for m, p, _ in kinds.values())]
    print(f'within 1% (mean and 99th percentile, both kinds of pairs): {within}')
    print(f'== speed, forward + backward, {batch} pairs of 50 x 50 clouds (smeared jets against their jets)')
    timing = pair_sets(jets, batch)['smeared jets']
    rate = speed(timing, torch.device('cpu'), repeats, EMD_METHODS)
    if torch.cuda.is_available(): speed(timing, torch.device('cuda'), repeats, [n for n in EMD_METHODS if n != 'exact'])
    fastest = max(within, key=rate.get)
    print(f"fastest within 1%: {fastest} ({rate[fastest]:.0f} pairs/s), {rate[fastest] / rate['sinkhorn_vae']:.1f} x the Step 6 setting sinkhorn_vae "
          f"({rate['sinkhorn_vae']:.0f} pairs/s), {rate[fastest] / rate['sinkhorn']:.1f} x sinkhorn; DEFAULT_EMD = {DEFAULT_EMD!r}")
    print(f'== one training step of the jet VAE, batch {batch}, CPU, median of {steps}')
    for (distance, hidden), ms in train_steps_ms(jets, [(d, h) for d in (DEFAULT_EMD, 'sinkhorn_vae') for h in (128, 512)], batch, steps).items():
        print(f'  distance {distance:12s} hidden {hidden:3d}: {ms:7.1f} ms per step')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--threads', type=int, default=1, help='torch CPU threads (0: torch decides)')
    p.add_argument('--batch', type=int, default=256)
    p.add_argument('--pairs', type=int, default=1000, help='jet pairs of each kind for the accuracy check')
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--steps', type=int, default=10, help='training steps timed')
    p.add_argument('--data', default='data/wjets.h5')
    main(**vars(p.parse_args()))
