"End-to-end checks of the console scripts, as a user runs them (small samples, MPI off)."
import subprocess, json
import numpy as np
import pytest
from turbo_sim.data import load_events, read_provenance
from turbo_sim.models import load_model


def run(*args, cwd=None):
    "Run a console script, failing the test with its output if it fails"
    r = subprocess.run(list(args), capture_output=True, text=True, cwd=cwd)
    assert r.returncode == 0, f'{args} exited {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    return r.stdout


@pytest.fixture(scope='module')
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp('gen')/'sample.h5'
    stdout = run('turbo-sim-generate', '--n-events', '250', '--seed', '11', '--out', str(out), '--no-mpi', '--shard-size', '1000', '--quiet')
    return out, stdout


def test_generate_command(sample):
    out, stdout = sample
    z, x = load_events(out)
    assert z.shape == (250, 24) and x.shape == (250, 24) and z.dtype == np.float32
    assert '250 selected events' in stdout and 'm_W_had' in stdout
    info = read_provenance(out)
    assert info['seed'] == 11 and info['mpi'] is False and 'turbo-sim-generate' in info['command']
    assert info['n_generated'] > 250 and info['versions']['fastjet']


def test_generate_link_shards(sample):
    "--link writes virtual datasets over the shards, equal to the copied file, and refuses to load without them"
    out, _ = sample
    linked = out.parent/'sample_linked.h5'
    run('turbo-sim-generate', '--n-events', '250', '--seed', '11', '--out', str(linked), '--no-mpi', '--shard-size', '1000', '--quiet', '--link')
    import h5py
    with h5py.File(linked, 'r') as f: assert f['FDL'].is_virtual and f['ROL'].is_virtual
    assert all(np.array_equal(a, b) for a, b in zip(load_events(linked), load_events(out)))
    (out.parent/'sample_linked.shards').rename(out.parent/'moved')
    with pytest.raises(ValueError, match='is virtual and its source file'): load_events(linked)


def test_train_command(sample, tmp_path):
    out, _ = sample
    run_dir = tmp_path/'run'
    run('turbo-sim-train', '--data', str(out), '--out', str(run_dir), '--epochs', '1', '--device', 'cpu', '--quiet')
    assert (run_dir/'last.pt').exists() and (run_dir/'best.pt').exists() and (run_dir/'history.csv').exists()
    model = load_model(run_dir/'last.pt')
    z, x = load_events(out)
    sim = model.simulate(z[:20])
    assert sim.shape == (20, 24) and np.isfinite(sim).all()
    assert json.loads((run_dir/'config.json').read_text())['epochs'] == 1


def test_help():
    for cmd in ('turbo-sim-generate', 'turbo-sim-train'):
        assert '--out' in run(cmd, '--help')
