"""Benchmark of Turbo-Sim training and inference: the reference configuration (public code's settings).

Prints training steps/s and events/s (batch 100, reference weights, WGAN-GP critics) on the CPU, and on
CUDA when present, and the simulation throughput of a trained-size decoder (events/s), to compare with
benchmarks/generate.py (the physics chain).

    python benchmarks/train.py [--steps 300] [--threads N] [--preset reference] [--batch-size 100]
"""
import argparse, time
import numpy as np
import torch
from turbo_sim.data import Normaliser
from turbo_sim.losses import make_critics
from turbo_sim.train import TrainConfig, build_model, build_optimisers, train_step


def bench_training(device, steps, cfg):
    weights = cfg.loss_weights()
    g = torch.Generator().manual_seed(0)
    z, x = torch.randn(20_000, 24, generator=g), torch.randn(20_000, 24, generator=g)
    model = build_model(cfg, Normaliser(0, 1, 0, 1)).to(device)
    critics = make_critics(weights, cfg.critic_widths, cfg.activation, cfg.adversarial).to(device)
    opt_g, opt_c = build_optimisers(cfg, model, critics)
    no_autocast = lambda: torch.autocast('cpu', enabled=False)
    def batch(i):
        sl = slice((i * cfg.batch_size) % 19_000, (i * cfg.batch_size) % 19_000 + cfg.batch_size)
        return (z[sl].to(device), x[sl].to(device)), (z[sl].roll(1, 0).to(device), x[sl].roll(3, 0).to(device))
    for i in range(20): train_step(model, critics, opt_g, opt_c, *batch(i), weights, cfg, no_autocast)  # warm-up
    if device.type == 'cuda': torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(steps): train_step(model, critics, opt_g, opt_c, *batch(i), weights, cfg, no_autocast)
    if device.type == 'cuda': torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return steps / dt, steps * cfg.batch_size / dt, len(critics)


def bench_simulation(device, n=200_000):
    model = build_model(TrainConfig(), Normaliser(0, 1, 0, 1)).to(device).eval()
    z = np.random.default_rng(0).normal(size=(n, 24)).astype(np.float32)
    model.simulate(z[:1000])
    if device.type == 'cuda': torch.cuda.synchronize()
    t0 = time.perf_counter(); model.simulate(z)
    if device.type == 'cuda': torch.cuda.synchronize()
    return n / (time.perf_counter() - t0)


def main(steps=300, threads=None, preset='reference', batch_size=100):
    if threads: torch.set_num_threads(threads)
    cfg = TrainConfig(preset=preset, batch_size=batch_size)
    devices = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    print(f'torch {torch.__version__}, CPU threads {torch.get_num_threads()}, preset {preset!r}, batch {batch_size}')
    for device in devices:
        sps, eps, n_critics = bench_training(device, steps, cfg)
        name = torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'
        print(f'[{name}] training: {sps:.1f} steps/s, {eps:.0f} events/s ({1e3 / sps:.1f} ms/step, {n_critics} WGAN-GP critics)')
        print(f'[{name}] an epoch of 200,000 events: {200_000 / eps / 60:.1f} min; 100 epochs: {200_000 * 100 / eps / 3600:.2f} h')
        print(f'[{name}] simulation D(z) in GeV: {bench_simulation(device):.3g} events/s')


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=300)
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch decides)')
    p.add_argument('--preset', default='reference')
    p.add_argument('--batch-size', type=int, default=100)
    a = p.parse_args()
    main(a.steps, a.threads, a.preset, a.batch_size)
