"""torchrun: two processes sharing each batch (gloo, CPU) train the same model as one process with the same global batch;
an error on rank 0 alone ends every process."""
import json, os, shutil, socket, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
import torch
from turbo_sim.data import save_events
from turbo_sim.models import load_checkpoint

BIN = Path(sys.executable).parent
TOLERANCE = 2e-4   # relative; float32: the all-reduce sums the two halves' gradients in another order than one process does, and Adam
                   # turns that rounding of near-zero gradients into steps of the learning rate's size (06_training shows it); seen: 4e-7 to 2e-5


def run(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=600)
    assert r.returncode == 0, f'{cmd} exited {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    return r.stdout


def largest_difference(a_ckpt, b_ckpt):
    "Largest parameter difference of two checkpoints, relative to the larger of 1 and the parameter's size"
    worst = 0.0
    for part in ('model', 'critics'):
        for k, a in a_ckpt[part].items(): worst = max(worst, ((a - b_ckpt[part][k]).abs().max() / max(1.0, a.abs().max().item())).item())
    return worst


@pytest.mark.skipif(shutil.which('torchrun', path=str(BIN)) is None, reason='torchrun not installed')
def test_two_processes_equal_one(tmp_path):
    rng = np.random.default_rng(0)
    p_z = rng.normal(0, 40, (3000, 6, 3)); p_x = p_z + rng.normal(0, 5, p_z.shape)   # physical objects: E >= |p|, as the reader demands
    z = np.concatenate([p_z, np.linalg.norm(p_z, axis=-1, keepdims=True) + 5], -1).reshape(3000, 24)
    x = np.concatenate([p_x, np.linalg.norm(p_x, axis=-1, keepdims=True)], -1).reshape(3000, 24)
    data = save_events(tmp_path/'toy.h5', z, x)
    args = ['--data', str(data), '--epochs', '2', '--device', 'cpu', '--preset', 'turbo', '--batch-size', '100', '--quiet', '--threads', '1']
    run([str(BIN/'turbo-sim-train'), *args, '--out', str(tmp_path/'one')])
    out = run([str(BIN/'torchrun'), '--standalone', '--nproc_per_node=2', str(BIN/'turbo-sim-train'), *args, '--out', str(tmp_path/'two')], env=dict(OMP_NUM_THREADS='1'))
    assert out.count('written to') == 1                      # rank 0 alone reports and writes
    one, two = load_checkpoint(tmp_path/'one'/'last.pt'), load_checkpoint(tmp_path/'two'/'last.pt')
    assert one['epoch'] == two['epoch'] == 1
    worst = largest_difference(one, two)
    half = [a if a != '100' else '50' for a in args]          # what a process that did not average would train: half the batch
    run([str(BIN/'turbo-sim-train'), *half, '--out', str(tmp_path/'half')])
    wrong = largest_difference(one, load_checkpoint(tmp_path/'half'/'last.pt'))
    print(f'largest relative parameter difference, 2 processes vs 1: {worst:.2e}; 1 process at half the batch: {wrong:.2e}')
    assert worst < TOLERANCE < wrong / 10                     # the tolerance tells a right implementation from a wrong one
    h1, h2 = json.loads(one['history']), json.loads(two['history'])
    for r1, r2 in zip(h1, h2):                               # the logged losses are the means over both processes' halves
        assert r1['L_turbo'] == pytest.approx(r2['L_turbo'], rel=1e-4) and r1['val_ks_sum'] == pytest.approx(r2['val_ks_sum'], abs=0.05)
    assert h1[1]['L_turbo'] < h1[0]['L_turbo']               # and it did train


RANK_SCRIPT = """
import os, sys, time, numpy as np
import turbo_sim.train as T
rank, where, out = int(os.environ['RANK']), sys.argv[1], sys.argv[2]
def fail(*args, **kwargs): raise RuntimeError('validation failed (injected on rank 0)')
if rank == 0 and where == 'validation': T.validation_ks = fail
z, x = T.toy_joint(2000, np.random.default_rng(0))
try:
    T.train(T.toy_config(epochs=2, batch_size=100, max_steps=3, max_val=200), out, data=dict(train=(z[:1600], x[:1600]), val=(z[1600:], x[1600:])), progress=False)
    print('finished', flush=True)
except Exception as e:
    print(f'rank {rank} stopped at {time.time():.3f}: {type(e).__name__}: {e}', flush=True)
    if rank == 0: time.sleep(600)   # rank 0 lives on, as a notebook or a driver that catches the error would: the others must not wait for it
    sys.exit(1)
"""

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def stop_time(output, rank):
    "The time at which `rank` reported its error, and the error, from its output"
    line = next(l for l in output.splitlines() if l.startswith(f'rank {rank} stopped at '))
    when, error = line[len(f'rank {rank} stopped at '):].split(': ', 1)
    return float(when), error


@pytest.mark.parametrize('where, error', [('start', 'holds a run already'), ('validation', 'validation failed (injected on rank 0)')])
def test_rank0_error_ends_every_rank(tmp_path, where, error):
    "Rank 0 fails alone (its check of the output folder, its validation) and stays alive: rank 1 ends within 30 s, naming rank 0's error"
    out = tmp_path/'run'
    if where == 'start': out.mkdir(); (out/'last.pt').write_text('a run')   # only rank 0 checks the output folder
    env = dict(os.environ, OMP_NUM_THREADS='1', WORLD_SIZE='2', MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()))
    procs = [subprocess.Popen([sys.executable, '-c', RANK_SCRIPT, where, str(out)], env=dict(env, RANK=str(r), LOCAL_RANK=str(r)),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for r in (0, 1)]
    try:
        out1 = procs[1].communicate(timeout=300)[0]   # (start-up included: imports under load take a while; without the fix rank 1 waits 30 minutes)
    finally:
        procs[0].kill(); out0 = procs[0].communicate()[0]
        if procs[1].poll() is None: procs[1].kill()
    t0, e0 = stop_time(out0, 0)
    t1, e1 = stop_time(out1, 1)
    assert error in e0, out0
    assert e1.startswith('PeerFailed') and error in e1 and procs[1].returncode == 1, out1
    print(f'{where}: rank 1 ended {t1 - t0:.1f} s after rank 0 failed: {e1}')
    assert t1 - t0 < 30
