"turbo-sim-simulate and turbo-sim-unfold as a user runs them: small inputs, exit codes, one-line errors, and nothing on disk touched by a refused command."
import subprocess
from pathlib import Path
import h5py
import numpy as np
import pytest
import uproot
from turbo_sim.data import save_events
from turbo_sim.io import read_events, read_counters, object_branches

REPO = Path(__file__).resolve().parents[1]
MODEL, DATA = REPO/'results'/'turbo_sim_best.pt', REPO/'data'/'ttbar.h5'


def run(*args):
    "Run a console script on one thread: the finished process"
    return subprocess.run([*map(str, args), '--threads', '1'], capture_output=True, text=True)


def succeeded(r):
    assert r.returncode == 0, f'exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}'
    return r.stdout


def refused(r, message):
    "Exit status 1, one line on stderr naming the problem, no traceback"
    assert r.returncode == 1, f'exit {r.returncode}\n{r.stderr[-2000:]}'
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr
    assert message in lines[0], lines[0]


def snapshot(folder):
    "Every file under `folder`: its bytes and modification time"
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.rglob('*')) if p.is_file()}


@pytest.fixture(scope='module')
def small(tmp_path_factory):
    "200 shipped events as an FDL/ROL file"
    with h5py.File(DATA, 'r') as f: z, x = f['FDL'][:200], f['ROL'][:200]
    return save_events(tmp_path_factory.mktemp('io')/'small.h5', z, x)


def test_simulate_to_root_then_unfold_to_h5(small, tmp_path):
    stdout = succeeded(run('turbo-sim-simulate', '--model', MODEL, '--partons', small, '--out', tmp_path/'sim.root'))
    assert '200 detector-level events' in stdout
    with uproot.open(tmp_path/'sim.root') as f:
        tree = f['events']
        assert tree.num_entries == 200 and tree.keys() == [*object_branches('detector'), 'x']
        xs = tree['x'].array(library='np')
        jet1_pts = tree['jet1_pt'].array(library='np')
    assert xs.shape == (200, 24) and xs.dtype == np.float32 and np.isfinite(xs).all()
    assert np.allclose(jet1_pts, np.hypot(xs[:, 8], xs[:, 9]), rtol=1e-4)
    succeeded(run('turbo-sim-unfold', '--model', MODEL, '--events', tmp_path/'sim.root', '--out', tmp_path/'unf.h5'))
    with h5py.File(tmp_path/'unf.h5', 'r') as f: assert list(f) == ['FDL'] and f['FDL'].shape == (200, 24)
    assert read_events(tmp_path/'unf.h5', 'parton').shape == (200, 24)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['sim.root', 'unf.h5']   # no temporary files left


def test_n_samples_counters(small, tmp_path):
    succeeded(run('turbo-sim-unfold', '--model', MODEL, '--events', small, '--out', tmp_path/'unf.root', '--n-samples', '3', '--chunk', '90'))
    counters = read_counters(tmp_path/'unf.root', 'parton')
    assert np.array_equal(counters['event'], np.repeat(np.arange(200), 3))
    assert np.array_equal(counters['sample'], np.tile(np.arange(3), 200))
    assert read_events(tmp_path/'unf.root', 'parton').shape == (600, 24)


def test_existing_output_needs_force(small, tmp_path):
    out = tmp_path/'sim.h5'
    succeeded(run('turbo-sim-simulate', '--model', MODEL, '--partons', small, '--out', out))
    before = snapshot(tmp_path)
    refused(run('turbo-sim-simulate', '--model', MODEL, '--partons', small, '--out', out, '--seed', '5'), 'exists; pass --force to replace it')
    assert snapshot(tmp_path) == before
    succeeded(run('turbo-sim-simulate', '--model', MODEL, '--partons', small, '--out', out, '--seed', '5', '--force'))
    assert snapshot(tmp_path)[out][1] != before[out][1]


@pytest.fixture(scope='module')
def bad_inputs(small, tmp_path_factory):
    "A text file named .root, a truncated ROOT file, a truncated HDF5 file and a folder, beside a valid output that must survive"
    tmp_path = tmp_path_factory.mktemp('bad')
    (tmp_path/'text.root').write_text('jet1_pt 45.2\n')
    succeeded(run('turbo-sim-simulate', '--model', MODEL, '--partons', small, '--out', tmp_path/'good.root'))
    data = (tmp_path/'good.root').read_bytes()
    (tmp_path/'cut.root').write_bytes(data[:len(data) // 2])
    data = small.read_bytes()
    (tmp_path/'cut.h5').write_bytes(data[:len(data) // 2])
    (tmp_path/'folder.root').mkdir()
    return tmp_path


@pytest.mark.parametrize('args, message', [
    (['--events', 'text.root', '--out', 'new.root'], "text.root: neither ROOT nor HDF5"),
    (['--events', 'cut.root', '--out', 'new.root'], 'truncated or corrupt?'),
    (['--events', 'cut.h5', '--out', 'new.h5'], 'truncated or corrupt?'),
    (['--events', 'folder.root', '--out', 'new.root'], 'is a directory; expected a ROOT file'),
    (['--events', 'missing.root', '--out', 'new.root'], 'missing.root: no such file'),
    (['--events', 'good.root', '--out', 'new.csv'], "unknown output suffix '.csv'"),
    (['--events', 'good.root', '--out', 'folder.root'], 'is a directory; expected an output file'),
    (['--events', 'good.root', '--out', 'good.root', '--force'], 'is the input file'),
    (['--events', 'good.root', '--out', 'new.root', '--n-samples', '0'], "'n_samples' (--n-samples) must be >= 1"),
])
def test_unfold_refuses_bad_inputs(bad_inputs, args, message):
    before = snapshot(bad_inputs)
    args = [bad_inputs/a if a.endswith(('.root', '.h5', '.csv')) else a for a in args]
    refused(run('turbo-sim-unfold', '--model', MODEL, *args), message)
    assert snapshot(bad_inputs) == before   # nothing written, nothing changed, no temporary file left


def test_simulate_refuses_bad_model(small, tmp_path):
    refused(run('turbo-sim-simulate', '--model', tmp_path/'none.pt', '--partons', small, '--out', tmp_path/'o.root'), 'none.pt: no such file')
    (tmp_path/'junk.pt').write_text('not a checkpoint')
    refused(run('turbo-sim-simulate', '--model', tmp_path/'junk.pt', '--partons', small, '--out', tmp_path/'o.root'), 'junk.pt: not a PyTorch checkpoint')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['junk.pt']


def test_help():
    for cmd in ('turbo-sim-simulate', 'turbo-sim-unfold'):
        stdout = subprocess.run([cmd, '--help'], capture_output=True, text=True).stdout
        assert '--n-samples' in stdout and '--force' in stdout and '--out' in stdout
