"""Work is never lost: generation and training killed with SIGKILL mid-run, then run again with the same command,
give what an uninterrupted run gives (events identical, the CPU checkpoint to 1e-6), and no partial file is ever
taken for a finished one (every file under its final name is complete; unfinished ones only ever carry a .tmp name)."""
import os, signal, subprocess, time
from pathlib import Path
import h5py
import numpy as np
import pytest
from turbo_sim.data import load_events, save_events
from turbo_sim.models import load_checkpoint

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}


def run(*args):
    r = subprocess.run([*map(str, args), '--threads', '1'], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, f'{args}: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}'
    return r.stdout


def kill_when(args, ready, timeout=300):
    "Start the command `args`, SIGKILL it as soon as `ready()` holds; True if it was killed before it finished"
    proc = subprocess.Popen([*map(str, args), '--threads', '1'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    t0 = time.time()
    while proc.poll() is None and not ready():
        assert time.time() - t0 < timeout, 'the command never reached the point to kill it at'
        time.sleep(0.05)
    killed = proc.poll() is None
    if killed: os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return killed and proc.returncode == -signal.SIGKILL


def complete_files(folder, pattern):
    "Every file under `folder` matching `pattern` (final names only) reads back in full"
    for p in folder.glob(pattern): load_events(p)
    return sorted(p.name for p in folder.glob(pattern))


def test_generation_killed_then_resumed(tmp_path):
    args = ['--n-events', '150', '--seed', '5', '--no-mpi', '--shard-size', '600', '--quiet']
    run('turbo-sim-generate', *args, '--out', tmp_path/'straight.h5')
    out = tmp_path/'killed.h5'
    shards = tmp_path/'killed.shards'
    first = lambda: (shards/'shard_00000.h5').exists()
    assert kill_when(['turbo-sim-generate', *args, '--out', out], first), 'the run finished before it could be killed: make it longer'
    assert not out.exists()                                            # not finished, so no output under its final name
    assert complete_files(shards, 'shard_*.h5')[0] == 'shard_00000.h5'   # the finished shard is whole
    (shards/'shard_00001.h5').write_bytes((shards/'shard_00000.h5').read_bytes()[:5000])   # a damaged shard under a final name
    r = subprocess.run(['turbo-sim-generate', *args, '--out', str(out), '--threads', '1'], capture_output=True, text=True, env=ENV)
    assert r.returncode == 1 and 'shard_00001.h5: ' in r.stderr and 'This shard is damaged: remove it' in r.stderr, r.stderr   # never taken for a finished one
    (shards/'shard_00001.h5').unlink()
    run('turbo-sim-generate', *args, '--out', out)                     # the same command again resumes
    for a, b in zip(load_events(out), load_events(tmp_path/'straight.h5')): assert a.tobytes() == b.tobytes()
    assert not list(tmp_path.rglob('*.tmp'))


@pytest.fixture(scope='module')
def small(tmp_path_factory):
    "3,000 shipped events as an FDL/ROL file"
    with h5py.File(REPO/'data'/'ttbar.h5', 'r') as f: z, x = f['FDL'][:3000], f['ROL'][:3000]
    return save_events(tmp_path_factory.mktemp('train')/'small.h5', z, x)


def test_training_killed_then_resumed(small, tmp_path):
    args = ['--data', small, '--epochs', '4', '--device', 'cpu', '--quiet', '--batch-size', '60', '--seed', '3']
    run('turbo-sim-train', *args, '--out', tmp_path/'straight')
    run_dir = tmp_path/'killed'
    after_first_epoch = lambda: (run_dir/'last.pt').exists()
    assert kill_when(['turbo-sim-train', *args, '--out', run_dir], after_first_epoch), 'the run finished before it could be killed: make it longer'
    assert load_checkpoint(run_dir/'last.pt')['epoch'] < 3             # killed mid-run; what is there loads, its hash checked
    r = subprocess.run(['turbo-sim-train', *map(str, args), '--out', str(run_dir), '--threads', '1'], capture_output=True, text=True, env=ENV)
    assert r.returncode == 1 and 'holds a run already (last.pt); pass resume=True (--resume)' in r.stderr   # never restarted over it by mistake
    (tmp_path/'cut').mkdir(); (tmp_path/'cut'/'last.pt').write_bytes((run_dir/'last.pt').read_bytes()[:20_000])
    r = subprocess.run(['turbo-sim-train', *map(str, args), '--out', str(tmp_path/'cut'), '--resume', '--threads', '1'], capture_output=True, text=True, env=ENV)
    assert r.returncode == 1 and 'cut/last.pt: truncated or corrupt' in r.stderr, r.stderr   # a partial checkpoint is never resumed from
    run('turbo-sim-train', *args, '--out', run_dir, '--resume')
    straight, resumed = load_checkpoint(tmp_path/'straight'/'last.pt'), load_checkpoint(run_dir/'last.pt')
    assert straight['epoch'] == resumed['epoch'] == 3
    for part in ('model', 'critics'):
        for k, a in straight[part].items(): assert np.allclose(a.numpy(), resumed[part][k].numpy(), rtol=0, atol=1e-6), (part, k)
    assert not list(tmp_path.rglob('*.tmp'))
