"""The first GPU run, in one command: the figures and checks that need CUDA, in at most ~8 minutes on one GPU.

Prints:
1. ms per training step at batch 1,024 of the MLP maps (`turbo-sim mlp`), the flows (`turbo-sim flow`) and the shipped
   'response' maps (`turbo-sim response`), each with the plain step, the fast step run eagerly and the fast step
   replayed from its captured CUDA graph, on real tt̄ events, a different batch at every step;
2. whether the graph replays the eager step: 20 steps of each from the same seed, losses and parameters compared;
3. `simulate` events/s of the pretrained model, tensors on the device in and out (the selection's re-draws included);
4. a short training of the shipped configuration (`turbo_sim.reproduce.DEFAULT_ROWS`, 3 epochs of the whole
   training split) and its evaluation on 20,000 test events: the talk's KS distances beside the floor.

Without CUDA it says so and runs the same code on the CPU with small sizes (a smoke test of under a minute on two
cores; its figures mean nothing). Exit status 1 if a check fails or a part raises (the other parts still run).

    python benchmarks/gpu_check.py [--out runs/gpu_check]
"""
import argparse, contextlib, shutil, sys, tempfile, time, traceback
from dataclasses import replace
from pathlib import Path
import numpy as np
import torch
from torch import nn
from turbo_sim.config import TrainConfig
from turbo_sim.data import load_events, split_events
from turbo_sim.layers import Normaliser, CriticStack, rest_masses
from turbo_sim.losses import make_critics
from turbo_sim.metrics import evaluate, TALK_COLUMNS
from turbo_sim.models import build_model, load_model
from turbo_sim.reproduce import candidate_configs, DEFAULT_ROWS
from turbo_sim.train import build_optimisers, train_step, FastStep, StepRandoms, log_names, SINKHORN_TERMS, train

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT/'data'/'ttbar.h5'
GPU = dict(batch=1024, steps=20, warmup=5, compare=20, n_simulate=2_000_000, epochs=3, max_train=0, n_test=20_000)
CPU = dict(batch=64, steps=2, warmup=1, compare=3, n_simulate=5_000, epochs=1, max_train=2_000, n_test=2_000)


def configurations(batch:int) -> dict:
    "Name -> TrainConfig of the three kinds of maps, at `batch`"
    cands = candidate_configs(str(DATA))
    return {name: replace(cands[name], batch_size=batch) for name in ('turbo-sim mlp', 'turbo-sim flow', 'turbo-sim response')}


def make_step(cfg, engine:str, # 'plain', 'fast' (eager) or 'graph' (the fast step through its captured CUDA graph)
              events, device):
    "`run(i)`: one training step of `engine` on the i-th batch of `events` (a different batch for each i), returning the losses; and the model"
    z, x = events
    normaliser = Normaliser.fit(z, x, cfg.normalise)
    model = build_model(cfg, normaliser, (rest_masses(z), rest_masses(x)) if cfg.on_shell else None, (z, x)).to(device)
    weights, B = cfg.loss_weights(), cfg.batch_size
    critics = make_critics(weights, cfg.critic_widths, cfg.activation, cfg.adversarial).to(device)
    randoms, gen = StepRandoms(model, len(critics), cfg.critic_steps, B, device), torch.Generator(device).manual_seed(1)
    zn, xn = (torch.as_tensor(a, dtype=torch.float32, device=device) for a in (normaliser.norm_z(z), normaliser.norm_x(x)))
    if engine == 'plain':
        opt_g, opt_c = build_optimisers(cfg, model, critics)
        names = log_names(weights, list(critics), SINKHORN_TERMS if cfg.sinkhorn_weight else ())
        step = lambda z, x, zm, xm, r: torch.tensor([v for k, v in train_step(model, critics, opt_g, opt_c, (z, x), (zm, xm), weights, cfg, contextlib.nullcontext, r).items() if k in names])
    else:
        stack = CriticStack(len(critics), cfg.critic_widths, cfg.activation, critics=critics.values()).to(device) if len(critics) else None
        opt_g, opt_c = build_optimisers(cfg, model, stack if stack is not None else nn.ModuleList(), fast=True)
        step = FastStep(model, stack, list(critics), opt_g, opt_c, weights, cfg, cuda_graph=engine == 'graph')
    n = len(zn) // B - 1
    def run(i):
        j, k = i % n, (i + n // 2) % n   # the paired batch, and the marginal one
        randoms.refill(gen)
        return step(zn[j * B:(j + 1) * B], xn[j * B:(j + 1) * B], zn[k * B:(k + 1) * B], xn[(k + 1) * B:(k + 2) * B], randoms)
    return run, model


def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize()


def step_times(device, sizes, events):
    "1. ms per step of each configuration and engine"
    engines = ('plain', 'fast', 'graph') if device.type == 'cuda' else ('plain', 'fast')
    print(f"\n== 1. ms per training step, batch {sizes['batch']:,}, median of {sizes['steps']} steps after {sizes['warmup']} warm-up steps (the graph's capture among them)")
    for name, cfg in configurations(sizes['batch']).items():
        row = {}
        for engine in engines:
            run, _ = make_step(cfg, engine, events, device)
            for i in range(sizes['warmup']): run(i)
            times = []
            for i in range(sizes['warmup'], sizes['warmup'] + sizes['steps']):
                sync(device); t0 = time.perf_counter(); run(i); sync(device); times.append(time.perf_counter() - t0)
            row[engine] = 1e3 * float(np.median(times))
        print(f'[{name}] ' + ', '.join(f'{e} {ms:.2f} ms ({cfg.batch_size * 1e3 / ms:,.0f} events/s)' for e, ms in row.items())
              + ('' if device.type == 'cuda' else '; graph: needs CUDA'))


def graph_replay(device, sizes, events) -> bool:
    "2. the captured graph against the eager fast step; True if every configuration agrees"
    print(f"\n== 2. graph replay against the eager step, {sizes['compare']} steps from the same seed, a different batch each")
    if device.type != 'cuda': print('needs CUDA: not checked on the CPU'); return True
    ok = True
    for name, cfg in configurations(sizes['batch']).items():
        runs = {}
        for engine in ('fast', 'graph'):
            run, model = make_step(cfg, engine, events, device)
            losses = torch.stack([run(i) for i in range(sizes['compare'])]).cpu()
            runs[engine] = losses, [p.detach().cpu() for p in model.parameters()]
        (l_e, p_e), (l_g, p_g) = runs['fast'], runs['graph']
        dl = ((l_g - l_e).abs() / l_e.abs().clamp(min=1)).max().item()
        dp = max(((a - b).abs().max() / b.abs().max().clamp(min=1)).item() for a, b in zip(p_g, p_e))
        same = dl <= 1e-4 and dp <= 1e-3   # flows: atomic adds in the splines' backward differ in the last bits
        ok &= same
        print(f"[{name}] {'equal' if same else 'DIFFERENT'}: largest relative loss difference {dl:.1e} (<= 1e-4), parameter difference {dp:.1e} (<= 1e-3)")
    return ok


def simulate_rate(device, sizes, events):
    "3. simulate events/s of the pretrained model, tensors on the device"
    model = load_model('pretrained', device=device)
    n = sizes['n_simulate']
    z = torch.as_tensor(np.resize(events[0], (n, 24)), dtype=torch.float32, device=device)   # real partons: the selection's re-draws need tt̄ events
    model.simulate(z[:10_000]); sync(device)
    t0 = time.perf_counter(); x, draws = model.simulate(z, return_draws=True, strict=False); sync(device); seconds = time.perf_counter() - t0
    assert x.device == z.device and x.shape == z.shape
    print(f'\n== 3. simulate, pretrained model ({type(model.decoder).__name__}), {n:,} events, tensors on {device} in and out: '
          f'{n / seconds:.3g} events/s, {float(draws.float().mean()):.3f} draws per event (the selection)')


def short_training(device, sizes, out:Path):
    "4. the shipped configuration trained briefly, then evaluated on the test split"
    z, x = load_events(DATA)
    splits = split_events(z, x, TrainConfig().fractions, TrainConfig().split_seed)
    z_te, x_te = (a[:sizes['n_test']] for a in splits['test'])
    cfg = candidate_configs(str(DATA), epochs=sizes['epochs'], device=str(device), max_train=sizes['max_train'], max_val=20_000 if device.type == 'cuda' else 500)[DEFAULT_ROWS[0]]
    n_train = min(len(splits['train'][0]), cfg.max_train or len(splits['train'][0]))
    print(f"\n== 4. the shipped configuration ({DEFAULT_ROWS[0]!r}): {cfg.epochs} epochs of {n_train:,} events, batch {cfg.batch_size}, in {out}")
    t0 = time.perf_counter()
    train(cfg, out, data=splits, progress=False, force=True)
    seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = evaluate(load_model(out/'best.pt', device=device), z_te, x_te)
    print(f'trained in {seconds:.0f} s ({cfg.epochs * n_train / seconds:,.0f} events/s with validation), evaluated on {len(z_te):,} test events in {time.perf_counter() - t0:.0f} s')
    print('KS x 1e-2  ' + ' '.join(f'{c:>8s}' for c in TALK_COLUMNS))
    for name in ('model', 'floor'): print(f'{name:10s} ' + ' '.join(f'{100 * rows[name][c]:8.2f}' for c in TALK_COLUMNS))
    print('AUC (0.5: indistinguishable): ' + ', '.join(f'{k} {rows["model"][k]:.3f}' for k in ('auc_x', 'auc_z', 'auc_pair') if k in rows['model']))


def main(out=None):
    t_start = time.perf_counter()
    cuda = torch.cuda.is_available()
    device = torch.device('cuda' if cuda else 'cpu')
    sizes = GPU if cuda else CPU
    print(f'torch {torch.__version__}; ' + (f'GPU: {torch.cuda.get_device_name(device)}' if cuda else
          f'no GPU present (torch.cuda.is_available() is False): a smoke run of the same code on the CPU ({torch.get_num_threads()} threads), small sizes; its figures mean nothing'))
    z, x = load_events(DATA)
    events = (z[:60_000], x[:60_000]) if cuda else (z[:5_000], x[:5_000])
    own = out is None
    out = Path(tempfile.mkdtemp(prefix='gpu_check_')) if own else Path(out)
    failed = []
    parts = [('step times', lambda: step_times(device, sizes, events)), ('graph replay', lambda: graph_replay(device, sizes, events)),
             ('simulate', lambda: simulate_rate(device, sizes, events)), ('short training', lambda: short_training(device, sizes, out/'response'))]
    for name, part in parts:
        try:
            if part() is False: failed.append(name)
        except Exception:
            traceback.print_exc(); failed.append(name)
    if own: shutil.rmtree(out, ignore_errors=True)
    print(f"\n== done in {time.perf_counter() - t_start:.0f} s on {torch.cuda.get_device_name(device) if cuda else 'the CPU'}: "
          + (f'FAILED: {", ".join(failed)}' if failed else 'every part ran, every check passed'))
    return 1 if failed else 0


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default=None, help="folder for the short training's run (default: a temporary folder, removed at the end)")
    sys.exit(main(p.parse_args().out))
