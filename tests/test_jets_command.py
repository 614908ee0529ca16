"End-to-end checks of `turbo-sim-jets`, as a user runs it (a few dozen W jets, one core)."
import os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from turbo_sim.data import read_provenance
from turbo_sim.jets import load_jets, JET_DATASETS

BIN = Path(sys.executable).parent
ARGS = ['--n-jets', '40', '--seed', '3', '--shard-size', '150', '--quiet', '--threads', '1']


def run(*args, ok=True):
    "Run `turbo-sim-jets` with `args`; fail the test with its output if its exit status is not the one expected"
    r = subprocess.run([str(BIN/'turbo-sim-jets'), *map(str, args)], capture_output=True, text=True, timeout=600)
    assert (r.returncode == 0) == ok, f'{args} exited {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    return r


@pytest.fixture(scope='module')
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp('jets')/'wjets.h5'
    return out, run(*ARGS, '--out', out).stdout


def test_jets_command(sample):
    out, stdout = sample
    jets = load_jets(out)
    assert jets['weights'].shape == (40, 50) and jets['coords'].shape == (40, 50, 2) and jets['mask'].dtype == np.bool_
    pts, etas, _, ms = jets['jets'].T
    assert np.all((pts >= 500) & (pts <= 600) & (np.abs(etas) <= 2) & (ms >= 75) & (ms <= 110))
    assert np.allclose(jets['weights'].sum(1), 1, atol=1e-5) and np.all(jets['weights'][~jets['mask']] == 0)
    assert '40 W jets' in stdout and 'jets/s' in stdout
    info = read_provenance(out)
    assert info['seed'] == 3 and info['n_jets'] == 40 and 'turbo-sim-jets' in info['command'] and info['versions']['fastjet']


def test_jets_shards_and_merge(sample, tmp_path):
    "Shards made by a `--shards` task, then `--merge`: the bytes of one run"
    out, _ = sample
    apart = tmp_path/'apart.h5'
    n_shards = read_provenance(out)['n_shards']
    r = run('--shards', f'0:{n_shards}', '--seed', '3', '--shard-size', '150', '--out', apart, '--quiet', '--threads', '1')
    assert 'Merge them with turbo-sim-jets --merge' in r.stdout and not apart.exists()
    run(*ARGS, '--merge', '--out', apart)
    a, b = load_jets(out), load_jets(apart)
    assert all(a[name].tobytes() == b[name].tobytes() for name in JET_DATASETS)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason='two worker processes need two CPUs')
def test_jets_two_processes(sample, tmp_path):
    "`--n-jobs 2` makes the same shards, so the same jets, as one process"
    out, _ = sample
    run(*ARGS, '--n-jobs', '2', '--out', tmp_path/'two.h5')
    a, b = load_jets(out), load_jets(tmp_path/'two.h5')
    assert all(a[name].tobytes() == b[name].tobytes() for name in JET_DATASETS)


def test_jets_bad_inputs(tmp_path):
    r = run('--n-jets', '0', '--out', tmp_path/'zero.h5', ok=False)
    assert r.returncode == 1 and "'n_jets' (--n-jets) must be an integer >= 1; got 0." in r.stderr
    (tmp_path/'a_file').write_text('')
    r = run('--n-jets', '10', '--out', tmp_path/'a_file'/'jets.h5', ok=False)
    assert r.returncode == 1 and "'out' (--out): cannot write" in r.stderr and 'Traceback' not in r.stderr
    assert '--n-jets' in run('--help').stdout
