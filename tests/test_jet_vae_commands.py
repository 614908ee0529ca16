"End-to-end checks of `turbo-sim-jet-vae` and `turbo-sim-beta-scan` as a user runs them, on the shipped W jets, a few steps each (one core)."
import json, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch
from turbo_sim.jet_vae import load_jet_vae, read_scan, scan_chains

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA = ROOT/'data'/'wjets.h5'
SMALL = ['--batch-size', '64', '--max-steps', '3', '--n-val', '300', '--n-latent', '8', '--quiet', '--threads', '1']
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f'{DATA} is not there (make it with turbo-sim-jets, see data/README.md)')


def run(cmd, *args, ok=True):
    "Run the command `cmd` with `args`; fail the test with its output if its exit status is not the one expected"
    r = subprocess.run([str(BIN/cmd), *map(str, args)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert (r.returncode == 0) == ok, f'{cmd} {args} exited {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    return r


def test_jet_vae_trains_and_resumes(tmp_path):
    out = tmp_path/'run'
    r = run('turbo-sim-jet-vae', '--data', DATA, '--beta', 20, '--out', out, '--epochs', 1, *SMALL)
    assert 'active directions of 8' in r.stdout and 'GeV^2 (exact EMD)' in r.stdout and '1 epochs, converged False' in r.stdout
    model, cfg = load_jet_vae(out/'last.pt')
    assert cfg.beta_GeV == 20 and cfg.n_latent == 8 and json.loads((out/'config.json').read_text())['beta_GeV'] == 20
    run('turbo-sim-jet-vae', '--data', DATA, '--beta', 20, '--out', out, '--epochs', 2, '--resume', *SMALL)
    assert [h['epoch'] for h in json.loads((out/'history.json').read_text())] == [1, 2]
    r = run('turbo-sim-jet-vae', '--data', DATA, '--beta', 30, '--out', out, '--epochs', 2, '--resume', *SMALL, ok=False)
    assert 'another configuration' in r.stderr and 'Traceback' not in r.stderr


def test_beta_scan_command(tmp_path):
    out = tmp_path/'scan'
    grid = ['--beta-min', 5, '--beta-max', 50, '--epochs', 2]
    r = run('turbo-sim-beta-scan', '--data', DATA, '--out', out, *grid, '--n-beta', 3, *SMALL)
    scan = read_scan(out/'scan.csv')
    assert list(scan['beta_GeV']) == [5., 15.8, 50.] and scan['kl_per_direction'].shape == (3, 8) and set(scan['direction']) == {'fine-to-coarse'}
    assert np.all(scan['emd2'] > 0) and np.all(scan['kl_total'] >= 0) and list(scan['epochs']) == [2, 2, 2] and (out/'scan.png').stat().st_size > 10_000
    assert sorted(p.name for p in out.iterdir()) == ['fine-to-coarse_seed0', 'scan.csv', 'scan.png']
    assert sorted(p.name for p in (out/'fine-to-coarse_seed0').iterdir()) == ['beta_15.8', 'beta_5', 'beta_50']
    assert 'scan.csv and' in r.stdout
    run('turbo-sim-beta-scan', '--data', DATA, '--out', out, *grid, '--n-beta', 3, *SMALL)   # finished: nothing is trained or appended
    run('turbo-sim-beta-scan', '--data', DATA, '--out', out, *grid, '--n-beta', 2, '--direction', 'coarse-to-fine', *SMALL)
    chains = scan_chains(read_scan(out/'scan.csv'))
    assert list(chains) == [('fine-to-coarse', 0), ('coarse-to-fine', 0)] and list(chains[('coarse-to-fine', 0)]['beta_GeV']) == [5., 50.]
    assert len((out/'scan.csv').read_text().splitlines()) == 1 + 3 + 2
    # pass 2 of the coarse-to-fine chain climbs back from where pass 1 ended (5 GeV): only 50 GeV is run, in a folder of its own
    run('turbo-sim-beta-scan', '--data', DATA, '--out', out, *grid, '--n-beta', 2, '--direction', 'coarse-to-fine', '--scan-pass', 2, *SMALL)
    chains = scan_chains(read_scan(out/'scan.csv'))
    assert list(chains[('coarse-to-fine, pass 2', 0)]['beta_GeV']) == [50.] and (out/'coarse-to-fine_seed0_pass2'/'beta_50'/'best.pt').exists()


def test_jet_vae_uncentred(tmp_path):
    run('turbo-sim-jet-vae', '--data', DATA, '--beta', 20, '--out', tmp_path/'u', '--epochs', 1, '--uncentred', '--hidden', 32, *SMALL)
    model, cfg = load_jet_vae(tmp_path/'u'/'best.pt')
    assert cfg.uncentred and cfg.hidden == 32 and cfg.distance == 'exact' and model.encoder.uncentred


@pytest.mark.parametrize('args, message', [
    (['--data', 'no/such.h5'], 'no/such.h5: no such file'),
    (['--data', 'README.md'], 'README.md: not an HDF5 file'),
    (['--beta', '-1'], "'beta_GeV' must be positive; got -1.0"),
    (['--distance', 'emd'], "'distance' must be one of exact, sinkhorn"),
    pytest.param(['--device', 'cuda:7'], "CUDA is not available", marks=pytest.mark.skipif(torch.cuda.is_available(), reason='a CUDA machine')),
])
def test_jet_vae_bad_input(tmp_path, args, message):
    r = run('turbo-sim-jet-vae', '--out', tmp_path/'bad', *SMALL, *args, ok=False)
    assert message in r.stderr and 'Traceback' not in r.stderr and r.stderr.count('\n') == 1


def test_beta_scan_bad_grid(tmp_path):
    r = run('turbo-sim-beta-scan', '--out', tmp_path/'bad', '--more-betas', '22,abc', *SMALL, ok=False)
    assert "'more_betas' (--more-betas) must be numbers separated by commas" in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path/'bad').exists()
    r = run('turbo-sim-beta-scan', '--out', tmp_path/'bad', '--direction', 'up', *SMALL, ok=False)
    assert "'direction' (--direction) must be one of fine-to-coarse, coarse-to-fine" in r.stderr and 'Traceback' not in r.stderr
    r = run('turbo-sim-beta-scan', '--data', DATA, '--out', tmp_path/'bad', '--scan-pass', 2, *SMALL, ok=False)   # no pass 1 to start from
    assert 'pass 1 of the fine-to-coarse chain of seed 0 has no finished beta' in r.stderr and 'Traceback' not in r.stderr
