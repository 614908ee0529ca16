"""`python -m build` makes a wheel and an sdist; the wheel, installed into a fresh environment, works outside a checkout.

Nothing is downloaded: the build runs without isolation (setuptools from this environment), the wheel is installed
with `--no-deps --no-index`, and its dependencies (torch, numpy, ...) come from this environment's site-packages
through PYTHONPATH, which holds no turbo_sim (this environment's editable install is a .pth hook, which PYTHONPATH does
not run). Every command runs from an empty folder, so nothing can come from the repository."""
import os, subprocess, sys, sysconfig, tarfile, zipfile
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
TOP_LEVEL = ['TurboSim', 'load_model', 'load_events', 'reco_observables', 'ks_distance', 'evaluate']


def run(*args, cwd, env=None):
    r = subprocess.run([*map(str, args)], capture_output=True, text=True, cwd=cwd, env=env)
    assert r.returncode == 0, f'{args}: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}'
    return r


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    "(dist folder, fresh environment, its environment variables, an empty working folder)"
    tmp = tmp_path_factory.mktemp('wheel')
    run(sys.executable, '-m', 'build', '--no-isolation', '--outdir', tmp/'dist', REPO, cwd=REPO)
    run(sys.executable, '-m', 'venv', tmp/'fresh', cwd=tmp)
    fresh = tmp/'fresh'/'bin'
    wheel, = (tmp/'dist').glob('*.whl')
    run(fresh/'python', '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', wheel, cwd=tmp)
    env = {**os.environ, 'PYTHONPATH': sysconfig.get_paths()['purelib'], 'OMP_NUM_THREADS': '1', 'PATH': f"{fresh}:{os.environ['PATH']}"}
    env.pop('VIRTUAL_ENV', None)
    (tmp/'elsewhere').mkdir()
    return tmp/'dist', tmp/'fresh', env, tmp/'elsewhere'


def test_build_makes_wheel_and_sdist(installed):
    dist, *_ = installed
    wheel, = dist.glob('turbo_sim-*.whl'); sdist, = dist.glob('turbo_sim-*.tar.gz')
    names = zipfile.ZipFile(wheel).namelist()
    assert 'turbo_sim/models.py' in names and 'turbo_sim/__init__.py' in names
    assert 'turbo_sim/pretrained/turbo_sim_best.pt' in names   # the pretrained model travels with the package
    assert not [n for n in names if n.startswith(('data/', 'results/', 'nbs/', 'tests/')) or n.endswith(('.h5', '.root', '.ipynb')) or (n.endswith('.pt') and 'pretrained/' not in n)], names
    members = tarfile.open(sdist).getnames()
    assert any(m.endswith('/settings.ini') for m in members)   # setup.py reads it: without it the wheel cannot be built from the sdist
    assert not [m for m in members if '/data/' in m or '/results/' in m or m.endswith('.h5') or (m.endswith('.pt') and '/pretrained/' not in m)]


def test_import_from_fresh_environment(installed):
    _, fresh, env, elsewhere = installed
    code = ('import turbo_sim, pathlib; print(pathlib.Path(turbo_sim.__file__).resolve()); print(turbo_sim.__version__)\n'
            f'print(all(callable(getattr(turbo_sim, n)) for n in {TOP_LEVEL!r}))')
    where, version, names = run(fresh/'bin'/'python', '-c', code, cwd=elsewhere, env=env).stdout.split()
    assert Path(where).is_relative_to(fresh.resolve()), where
    assert f'version = {version}\n' in (REPO/'settings.ini').read_text()
    assert names == 'True'


def test_console_scripts_installed(installed):
    _, fresh, env, elsewhere = installed
    settings = (REPO/'settings.ini').read_text()
    scripts = [s.split('=')[0] for s in settings.split('console_scripts = ')[1].splitlines()[0].split()]
    assert 'turbo-sim-evaluate' in scripts and len(scripts) >= 8
    for s in scripts: assert (fresh/'bin'/s).exists(), s
    assert '--model' in run(fresh/'bin'/'turbo-sim-evaluate', '--help', cwd=elsewhere, env=env).stdout


def test_missing_data_says_how_to_get_it(installed):
    "Outside a checkout the default data/ttbar.h5 is not there: one line that says where it is and how to generate it, no traceback, nothing written"
    _, fresh, env, elsewhere = installed
    r = subprocess.run([fresh/'bin'/'turbo-sim-evaluate', '--model', REPO/'results'/'turbo_sim_best.pt', '--threads', '1'],
                       capture_output=True, text=True, cwd=elsewhere, env=env)
    assert r.returncode == 1 and 'Traceback' not in r.stderr, r.stderr
    error = [l for l in r.stderr.splitlines() if 'error' in l]
    assert len(error) == 1, r.stderr
    assert 'data/ttbar.h5: no such file' in error[0] and 'https://github.com/turbo-sim/turbo-sim' in error[0]
    assert 'turbo-sim-generate --n-events 250000 --seed 2026 --out data/ttbar.h5' in error[0]
    assert list(elsewhere.iterdir()) == []


def test_pretrained_model_from_the_wheel(installed, tmp_path):
    "`turbo_sim.load_model('pretrained')` works after `pip install`, outside any checkout, and is the committed results/turbo_sim_best.pt"
    import hashlib, numpy as np
    from turbo_sim.data import load_events
    _, fresh, env, elsewhere = installed
    np.save(tmp_path/'z.npy', load_events(REPO/'data'/'ttbar.h5')[0][:1000])
    code = (f"import numpy as np, turbo_sim; m = turbo_sim.load_model('pretrained'); x = m.simulate(np.load({str(tmp_path/'z.npy')!r}), seed=1)\n"
            "from turbo_sim.models import PRETRAINED; print(x.shape, bool(np.isfinite(x).all()), PRETRAINED)")
    shape_a, shape_b, finite, where = run(fresh/'bin'/'python', '-c', code, cwd=elsewhere, env=env).stdout.split()
    assert (shape_a + shape_b, finite) == ('(1000,24)', 'True')
    assert Path(where).is_relative_to(fresh.resolve())
    digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()
    assert digest(where) == digest(REPO/'results'/'turbo_sim_best.pt')   # the shipped copy is the committed pretrained model
