"""Benchmark of the training engine and of inference: the plain step (the executable specification, as the
loop ran before Step 4) against the fast step, in the same run, for `turbo-sim best` and every loss preset;
then `simulate` throughput. CPU always, CUDA when present.

Prints, per device and configuration: ms/step, steps/s, events/s, operator calls per step on the CPU or
kernel launches per step on CUDA (both from the PyTorch profiler), peak memory, and the Step 4 targets with
whether they are met.

    python benchmarks/train.py [--steps 30] [--threads N] [--repeats 3] [--only best|step8]

Step 8 (`--only step8`, also part of the full run): on real events, the ms per step of each part of a training step
(the two direct likelihoods, the passes with their cycle terms, the critics) for the shipped configuration
(`turbo-sim response met-nu flag`, `DEFAULT_ROWS`) next to the MLP maps and the Step 5 flows, the whole fast step of each, and `simulate` of a
response model with the selection re-draws included, with the Step 8 targets (<= 60 ms a step at batch 256 on one
thread, >= 2e5 events/s).
"""
import argparse, contextlib, resource, time
from dataclasses import replace
from pathlib import Path
import numpy as np
import torch
from torch import nn
from torch.profiler import profile, ProfilerActivity
from turbo_sim.layers import Normaliser, CriticStack
from turbo_sim.config import TrainConfig, PRESETS
from turbo_sim.losses import make_critics
from turbo_sim.models import build_model, load_model
from turbo_sim.train import build_optimisers, train_step, FastStep, StepRandoms
from turbo_sim.reproduce import best_config, candidate_configs, response_config, DEFAULT_ROWS
from turbo_sim.data import load_events
from turbo_sim.losses import passes, nll_terms
from turbo_sim.response import clear_caches

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = f'{DEFAULT_ROWS[0]} (shipped: likelihoods)'
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
    z0 = real_events(100_000)[0]
    z = np.concatenate([z0] * (n // len(z0) + 1))[:n].astype(np.float32)   # real partons: the selection re-draws need tt̄ events
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


def real_events(n:int):
    "The first `n` events (z, x) of the shipped data, GeV"
    z, x = load_events(ROOT/'data'/'ttbar.h5')
    return z[:n], x[:n]

def step8_configs():
    "Name -> TrainConfig at batch 256: the shipped configuration (`DEFAULT_ROWS`: response maps, likelihoods only), the same maps with every Turbo-Sim term, and the Step 5 rows"
    cands = candidate_configs('data/ttbar.h5')
    resp = cands[DEFAULT_ROWS[0]]
    return {SHIPPED: resp,
            f'{DEFAULT_ROWS[0]}, all 8 terms + critics': replace(resp, preset='turbo', weights=tuple((t, 1.0) for t in ('L_z_tilde', 'L_x_hat', 'L_x_tilde', 'L_z_hat')) + (('gp_x_tilde', 10.0), ('gp_z_tilde', 10.0), ('gp_x_hat', 10.0), ('gp_z_hat', 10.0))),
            'turbo-sim mlp (Step 5)': cands['turbo-sim mlp'], 'turbo-sim flow (Step 5)': cands['turbo-sim flow']}

def _timed(fn, n):
    "Median ms of `fn()` over `n` calls after 3 warm-up calls"
    for _ in range(3): fn()
    times = []
    for _ in range(n): t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e3

def step8_parts(cfg, z, x, steps):
    "ms of the parts of one step of `cfg` on real events: (likelihoods, passes, whole fast step)"
    normaliser = Normaliser.fit(z, x, cfg.normalise)
    masses = (np.array([0, 0, 4.8, 4.8, 0.33, 0.33]), np.zeros(6)) if cfg.on_shell else None
    model = build_model(cfg, normaliser, masses, (z, x))
    weights = cfg.loss_weights()
    B = cfg.batch_size
    zn, xn = torch.as_tensor(normaliser.norm_z(z), dtype=torch.float32), torch.as_tensor(normaliser.norm_x(x), dtype=torch.float32)
    zb, xb = zn[:B], xn[:B]
    def likelihoods():
        clear_caches(model); model.zero_grad()
        if cfg.distance != 'nll': return
        sum(nll_terms(model, zb, xb, {}, ('L_z_tilde', 'L_x_tilde')).values()).backward()
    def cycle_passes():
        clear_caches(model); model.zero_grad()
        out = passes(model, zb, xb, replace(weights, **{t: 1.0 for t in ('D_z_tilde', 'D_x_hat', 'D_x_tilde', 'D_z_hat')}), None, 'mse')
        sum(v.square().mean() for v in out.values()).backward()
    ms_lik = _timed(likelihoods, steps) if cfg.distance == 'nll' else float('nan')
    ms_pass = _timed(cycle_passes, steps)
    critics = make_critics(weights, cfg.critic_widths, cfg.activation, cfg.adversarial)
    stack = CriticStack(len(critics), cfg.critic_widths, cfg.activation, critics=critics.values()) if len(critics) else None
    opt_g, opt_c = build_optimisers(cfg, model, stack if stack is not None else nn.ModuleList(), fast=True)
    randoms = StepRandoms(model, len(critics), cfg.critic_steps, B, torch.device('cpu'))
    step = FastStep(model, stack, list(critics), opt_g, opt_c, weights, cfg)
    gen, k = torch.Generator().manual_seed(1), [0]
    def whole():
        i = k[0] % (len(zn) // B - 1); k[0] += 1
        randoms.refill(gen); step(zn[i * B:(i + 1) * B], xn[i * B:(i + 1) * B], zn[(i + 1) * B:(i + 2) * B], xn[(i + 1) * B:(i + 2) * B], randoms)
    return ms_lik, ms_pass, _timed(whole, steps)

def step8(steps, n_sim=200_000):
    "The Step 8 figures on one CPU thread: parts of a step per configuration, and simulate with the selection"
    torch.set_num_threads(1)
    print(f'\n== Step 8: parts of a training step on real events, batch 256, {device_name(torch.device("cpu"))}, median of {steps} steps')
    z, x = real_events(60_000)
    whole = {}
    for name, cfg in step8_configs().items():
        lik, pas, total = step8_parts(cfg, z, x, steps)
        whole[name] = total
        print(f'[{name}] likelihoods L_z~ + L_x~ (forward + backward): {lik:6.1f} ms | passes x -> z~ -> x^, z -> x~ -> z^ (forward + backward): {pas:6.1f} ms | '
              f'whole fast step ({", ".join(cfg.loss_weights().active())}; critics: the rest): {total:6.1f} ms')
    shipped = whole[SHIPPED]
    print(f"Step 8 target, the shipped configuration's step <= 60 ms at batch 256 on one thread: {shipped:.1f} ms: {'met' if shipped <= 60 else 'NOT met'}")
    for path in (ROOT/'results'/'turbo_sim_best.pt',):
        model = load_model(path)
        zs = np.concatenate([z] * (n_sim // len(z) + 1))[:n_sim]
        model.simulate(zs[:10_000], strict=False)
        t0 = time.perf_counter(); xs, draws = model.simulate(zs, strict=False, return_draws=True); rate = n_sim / (time.perf_counter() - t0)
        print(f'simulate of {path.name} ({model.decoder.__class__.__name__}, selection {"on" if model.select else "off"}), {n_sim:,} events of the shipped data, one thread: '
              f'{rate:.3g} events/s, {draws.mean():.3f} draws per event; target >= 2e5 events/s: {"met" if rate >= 2e5 else "NOT met"}')

def main(steps=30, threads=None, repeats=3, only='all'):
    if only == 'step8': return step8(steps)
    if threads: torch.set_num_threads(threads)
    print(f'torch {torch.__version__}, CPU threads {torch.get_num_threads()}')
    devices = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    for device in devices:
        results = training(device, steps, repeats, only)
        rates = inference(device, 2_000_000 if device.type == 'cpu' else 50_000_000)
        targets(device, results, rates)
    step8(steps)


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=30)
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch decides)')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--only', choices=('all', 'best', 'step8'), default='all', help="'best': turbo-sim best alone; 'step8': the Step 8 figures alone")
    a = p.parse_args()
    main(a.steps, a.threads, a.repeats, a.only)
