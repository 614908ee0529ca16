"""Throughput of the jet EMD: `sinkhorn_emd` forward and forward + backward at its working epsilon, on a batch of
pairs of toy W jets (256 pairs of 50-particle slots by default), on the CPU and on CUDA when present; POT's exact
solver and GeomLoss's Sinkhorn divergence on the CPU for reference, and the batch's error against the exact EMD.

    python benchmarks/emd.py [--threads N] [--batch 256] [--particles 50] [--repeats 5]
"""
import argparse, time
import numpy as np
import torch
from turbo_sim.emd import sinkhorn_emd, sinkhorn_divergence, exact_emd, toy_jets

SETTINGS = dict(epsilon=1e-3, n_iter=200, n_anneal=150, omega=1.8)   # sinkhorn_emd's defaults, spelt out for the printout


def device_name(device):
    return torch.cuda.get_device_name(device) if device.type == 'cuda' else f'CPU, {torch.get_num_threads()} threads'


def timed(fn, device, repeats):
    "Median seconds of `fn()` over `repeats` runs, after a warm-up run"
    fn()
    times = []
    for _ in range(repeats):
        if device.type == 'cuda': torch.cuda.synchronize(device)
        start = time.perf_counter(); fn()
        if device.type == 'cuda': torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def report(device, what, seconds, batch):
    print(f'[{device_name(device)}] {what:38s}: {1e3 * seconds:9.1f} ms per batch of {batch}, {batch / seconds:9.0f} pairs/s')


def bench_sinkhorn(device, jets, repeats):
    "`sinkhorn_emd` forward (no autograd) and forward + backward to the weights and coordinates of one side"
    w_a, x_a, w_b, x_b = (t.to(device) for t in jets)
    def forward():
        with torch.no_grad(): sinkhorn_emd(w_a, x_a, w_b, x_b, **SETTINGS)
    def forward_backward():
        w, x = w_a.clone().requires_grad_(), x_a.clone().requires_grad_()
        sinkhorn_emd(w, x, w_b, x_b, **SETTINGS).sum().backward()
    report(device, 'sinkhorn_emd forward', timed(forward, device, repeats), len(w_a))
    report(device, 'sinkhorn_emd forward+backward', timed(forward_backward, device, repeats), len(w_a))


def bench_references(jets, repeats):
    "POT's exact EMD (one pair at a time, NumPy) and GeomLoss's divergence (forward + backward) on the CPU"
    cpu, (w_a, x_a, w_b, x_b) = torch.device('cpu'), jets
    report(cpu, 'exact_emd (POT ot.emd2, no gradient)', timed(lambda: exact_emd(w_a, x_a, w_b, x_b), cpu, repeats), len(w_a))
    def divergence():
        x = x_a.clone().requires_grad_()
        sinkhorn_divergence(w_a, x, w_b, x_b, epsilon=SETTINGS['epsilon']).sum().backward()
    report(cpu, 'sinkhorn_divergence forward+backward', timed(divergence, cpu, repeats), len(w_a))


def main(threads=None, batch=256, particles=50, repeats=5):
    if threads: torch.set_num_threads(threads)
    print(f'torch {torch.__version__}, CPU threads {torch.get_num_threads()}; sinkhorn_emd settings {SETTINGS}')
    jets = (*toy_jets(batch, particles, seed=1), *toy_jets(batch, particles, seed=2))
    print(f'{batch} pairs of toy W jets, {particles} particle slots, {(jets[0] > 0).sum(1).float().mean():.1f} particles per jet on average')
    rel = sinkhorn_emd(*jets, **SETTINGS).double().numpy() / exact_emd(*jets) - 1
    print(f'relative error against the exact EMD on this batch: mean {rel.mean():+.5f}, max |.| {np.abs(rel).max():.5f}')
    devices = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    for device in devices: bench_sinkhorn(device, jets, repeats)
    bench_references(jets, repeats)


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch decides)')
    p.add_argument('--batch', type=int, default=256)
    p.add_argument('--particles', type=int, default=50, help='particle slots per jet; jets have 10 to this many')
    p.add_argument('--repeats', type=int, default=5)
    main(**vars(p.parse_args()))
