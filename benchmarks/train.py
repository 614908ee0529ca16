"""Benchmark of the training engine and of inference: the plain step (the executable specification, as the
loop ran before Step 4) against the fast step, in the same run, for `turbo-sim best` and every loss preset;
then `simulate` throughput. CPU always, CUDA when present.

Prints, per device and configuration: ms/step, steps/s, events/s, operator calls per step on the CPU or
kernel launches per step on CUDA (both from the PyTorch profiler), peak memory, and the Step 4 targets with
whether they are met.

    python benchmarks/train.py [--steps 30] [--threads N] [--repeats 3] [--only best]
"""
import argparse, contextlib, resource, time
from pathlib import Path
import numpy as np
import torch
from torch import nn
from torch.profiler import profile, ProfilerActivity
from turbo_sim.data import Normaliser
from turbo_sim.losses import PRESETS, make_critics
from turbo_sim.models import CriticStack
from turbo_sim.train import TrainConfig, build_model, build_optimisers, train_step, FastStep, StepRandoms, load_model
from turbo_sim.reproduce import best_config

ROOT = Path(__file__).resolve().parents[1]
MASSES = (np.array([0, 0, 4.8, 4.8, 0.33, 0.33]), np.zeros(6))


def make_step(engine, cfg, device):
    "A callable running one training step of `engine` ('plain' or 'fast') on (z, x, zm, xm) batches, and its randoms (or None)"
    weights = cfg.loss_weights()
    model = build_model(cfg, Normaliser(np.zeros(24), np.full(24, 50.), np.zeros(24), np.full(24, 50.)), MASSES).to(device)
    critics = make_critics(weights, cfg.critic_widths, cfg.activation, cfg.adversarial).to(device)
    randoms = StepRandoms(model, len(critics), cfg.critic_steps, cfg.batch_size, device)
    if engine == 'plain':   # the loop before Step 4: separate critics, default Adam, the maps drawing their own noise, .item() per term
        opt_g, opt_c = build_optimisers(cfg, model, critics)
        return (lambda z, x, zm, xm: train_step(model, critics, opt_g, opt_c, (z, x), (zm, xm), weights, cfg, contextlib.nullcontext)), None
    stack = CriticStack(len(critics), cfg.critic_widths, cfg.activation, critics=critics.values()).to(device) if len(critics) else None
    opt_g, opt_c = build_optimisers(cfg, model, stack if stack is not None else nn.ModuleList(), fast=True)
    step = FastStep(model, stack, list(critics), opt_g, opt_c, weights, cfg, cuda_graph=cfg.cuda_graphs and device.type == 'cuda')
    return (lambda z, x, zm, xm: step(z, x, zm, xm, randoms)), randoms


def batches(cfg, device, n=50):
    g = torch.Generator().manual_seed(0)
    z, x = torch.randn(n * cfg.batch_size, 24, generator=g), torch.randn(n * cfg.batch_size, 24, generator=g)
    z, x = z.to(device), x.to(device)
    B = cfg.batch_size
    return [(z[i * B:(i + 1) * B], x[i * B:(i + 1) * B], z.roll(7, 0)[i * B:(i + 1) * B], x.roll(13, 0)[i * B:(i + 1) * B]) for i in range(n)]


def run(step, randoms, data, steps, device, gen):
    for i in range(steps):
        if randoms is not None: randoms.refill(gen)
        out = step(*data[i % len(data)])
    if device.type == 'cuda': torch.cuda.synchronize()
    return out


def bench(engine, cfg, device, steps, repeats):
    "Median ms per step over `repeats` timings of `steps` steps, launches (or CPU operator calls) per step, peak memory in MB"
    step, randoms = make_step(engine, cfg, device)
    data, gen = batches(cfg, device), torch.Generator(device).manual_seed(1)
    run(step, randoms, data, 10, device, gen)                      # warm-up (and, on CUDA, the graph capture)
    if device.type == 'cuda': torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); run(step, randoms, data, steps, device, gen); times.append((time.perf_counter() - t0) / steps)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == 'cuda' else [])
    n_prof = 5
    with profile(activities=activities) as prof: run(step, randoms, data, n_prof, device, gen)
    events = prof.key_averages()
    if device.type == 'cuda':
        launches = sum(e.count for e in events if e.key in ('cudaLaunchKernel', 'cudaLaunchKernelExC', 'cuLaunchKernel', 'cuLaunchKernelEx', 'cudaGraphLaunch')) / n_prof
        memory = torch.cuda.max_memory_allocated() / 2**20
    else:
        launches = sum(e.count for e in events if e.key.startswith('aten::')) / n_prof
        memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # the process's peak RSS so far
    return float(np.median(times)) * 1e3, launches, memory


def configs(only):
    "Name -> TrainConfig: `turbo-sim best` (batch 256) and each loss preset with the public code's settings (batch 100)"
    out = {'turbo-sim best': best_config('data/ttbar.h5', batch_size=256)}
    if only != 'best': out.update({f'preset {p}': TrainConfig(preset=p) for p in PRESETS})
    return out


def training(device, steps, repeats, only):
    print(f'\n== training steps on {device_name(device)} (median of {repeats} x {steps} steps)')
    unit = 'kernel launches' if device.type == 'cuda' else 'CPU operator calls'
    results = {}
    for name, cfg in configs(only).items():
        if device.type == 'cuda' and name == 'turbo-sim best': cfg = best_config('data/ttbar.h5', batch_size=1024)
        row = {}
        for engine in ('plain', 'fast'):
            ms, launches, mem = bench(engine, cfg, device, steps, repeats)
            row[engine] = ms
            print(f'[{name}, batch {cfg.batch_size}] {engine:5s}: {ms:7.2f} ms/step, {1e3 / ms:7.1f} steps/s, {cfg.batch_size * 1e3 / ms:9.0f} events/s, '
                  f'{launches:6.0f} {unit}/step, peak memory {mem:.0f} MB')
        print(f'[{name}] fast / plain events/s: {row["plain"] / row["fast"]:.2f}x')
        results[name] = (cfg, row)
    return results


def device_name(device): return torch.cuda.get_device_name(device) if device.type == 'cuda' else f'cpu ({torch.get_num_threads()} threads)'


def inference(device, n):
    "simulate() throughput of the shipped model: NumPy in/out, and tensors already on the device"
    model = load_model(ROOT/'results'/'turbo_sim_best.pt', device=device)
    z = np.random.default_rng(0).normal(50, 80, size=(n, 24)).astype(np.float32)
    zt = torch.as_tensor(z, device=device)
    rates = {}
    for kind, inp in (('numpy', z), ('tensor', zt)):
        model.simulate(inp[:10_000])
        if device.type == 'cuda': torch.cuda.synchronize()
        t0 = time.perf_counter(); model.simulate(inp)
        if device.type == 'cuda': torch.cuda.synchronize()
        rates[kind] = n / (time.perf_counter() - t0)
        print(f'[{device_name(device)}] simulate, {kind} in and out, {n:,} events: {rates[kind]:.3g} events/s')
    return rates


def targets(device, results, rates):
    print(f'\n== Step 4 targets on {device_name(device)}')
    ok = lambda b: 'met' if b else 'NOT met'
    if device.type == 'cpu':
        _, best = results['turbo-sim best']
        ratio = best['plain'] / best['fast']
        print(f'turbo-sim best, batch 256: fast {ratio:.2f}x the plain events/s (target >= 1.2x): {ok(ratio >= 1.2)}')
        slower = [n for n, (_, r) in results.items() if r['fast'] > r['plain']]
        print(f'no preset slower with the fast step: {ok(not slower)}' + (f' (slower: {slower})' if slower else ''))
        print(f"simulate on the CPU, NumPy: {rates['numpy']:.3g} events/s (target >= 1e6): {ok(rates['numpy'] >= 1e6)}")
    else:
        cfg, best = results['turbo-sim best']
        ms = best['fast']; epoch = 150_000 / cfg.batch_size * ms / 1e3
        print(f'turbo-sim best, batch 1024: {ms:.2f} ms/step (target <= 3 ms): {ok(ms <= 3)}')
        print(f'an epoch of 150,000 events at batch 1024: {epoch:.2f} s (target <= 0.5 s): {ok(epoch <= 0.5)}; 30 epochs: {30 * epoch:.0f} s of steps')
        print(f"simulate, tensors on the device: {rates['tensor']:.3g} events/s (target >= 1e8): {ok(rates['tensor'] >= 1e8)}")


def main(steps=30, threads=None, repeats=3, only='all'):
    if threads: torch.set_num_threads(threads)
    print(f'torch {torch.__version__}, CPU threads {torch.get_num_threads()}')
    devices = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    for device in devices:
        results = training(device, steps, repeats, only)
        rates = inference(device, 2_000_000 if device.type == 'cpu' else 50_000_000)
        targets(device, results, rates)


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=30)
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch decides)')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--only', choices=('all', 'best'), default='all', help="'best': turbo-sim best alone")
    a = p.parse_args()
    main(a.steps, a.threads, a.repeats, a.only)
