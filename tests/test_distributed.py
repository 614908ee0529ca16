"torchrun: two processes sharing each batch (gloo, CPU) train the same model as one process with the same global batch."
import json, os, shutil, subprocess, sys
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


@pytest.mark.skipif(shutil.which('torchrun', path=str(BIN)) is None, reason='torchrun not installed')
def largest_difference(a_ckpt, b_ckpt):
    "Largest parameter difference of two checkpoints, relative to the larger of 1 and the parameter's size"
    worst = 0.0
    for part in ('model', 'critics'):
        for k, a in a_ckpt[part].items(): worst = max(worst, ((a - b_ckpt[part][k]).abs().max() / max(1.0, a.abs().max().item())).item())
    return worst


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
