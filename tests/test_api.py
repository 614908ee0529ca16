"The public API: the top-level names of `import turbo_sim`, and using or evaluating a model without importing the training loop."
import os, subprocess, sys
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO/'results'/'turbo_sim_best.pt'
DATA = REPO/'data'/'ttbar.h5'
TOP_LEVEL = ['TurboSim', 'load_model', 'load_events', 'reco_observables', 'ks_distance', 'wasserstein', 'classifier_auc',
             'correlation_distance', 'evaluate', 'evaluate_file']


def python(code):
    "Run `code` in a fresh interpreter, from the repository, on one thread; its stdout"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=REPO, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def test_import_is_light():
    "`import turbo_sim` loads neither PyTorch nor any of its modules; the names come on first use"
    out = python("import sys, turbo_sim\nprint(sorted(m for m in sys.modules if m.startswith(('turbo_sim', 'torch'))))")
    assert out.strip() == "['turbo_sim']"


def test_top_level_names():
    out = python("import turbo_sim, turbo_sim.models as m, turbo_sim.data as d, turbo_sim.physics as p, turbo_sim.metrics as k\n"
                 "print(turbo_sim.__version__)\n"
                 "assert turbo_sim.TurboSim is m.TurboSim and turbo_sim.load_model is m.load_model\n"
                 "assert turbo_sim.load_events is d.load_events and turbo_sim.reco_observables is p.reco_observables\n"
                 "assert turbo_sim.evaluate is k.evaluate and turbo_sim.ks_distance is k.ks_distance\n"
                 "print(sorted(set(turbo_sim.__all__) & set(dir(turbo_sim))))")
    version, names = out.splitlines()
    settings = (REPO/'settings.ini').read_text()
    assert f'version = {version}\n' in settings
    assert eval(names) == sorted(['__version__', *TOP_LEVEL])
    with pytest.raises(AttributeError, match="has no attribute 'train_main'"):
        import turbo_sim; turbo_sim.train_main


@pytest.mark.parametrize('code', [
    'import turbo_sim.metrics',
    f"import turbo_sim; from turbo_sim.data import load_events; m = turbo_sim.load_model({str(MODEL)!r}); m.simulate(load_events({str(DATA)!r})[0][:2])",
    "from turbo_sim.models import load_checkpoint, save_checkpoint, build_model\nfrom turbo_sim.config import TrainConfig\nfrom turbo_sim.layers import Normaliser",
    "import turbo_sim.io",
])
def test_using_a_model_never_imports_training(code):
    out = python(code + "\nimport sys; print('turbo_sim.train' in sys.modules, 'turbo_sim.losses' in sys.modules)")
    assert out.split()[-2:] == ['False', 'False'], out


def test_names_are_imported_where_they_live():
    "Issue 20, point 1: no module hands on another's names under old ones"
    python("from turbo_sim.config import TrainConfig, LossWeights, PRESETS\n"
           "from turbo_sim.layers import Normaliser, Critic, CriticStack, CHUNK, on_shell\n"
           "from turbo_sim.models import build_model, load_model, load_checkpoint, save_checkpoint\n"
           "import turbo_sim.data, turbo_sim.train\n"
           "assert not hasattr(turbo_sim.data, 'Normaliser') and not hasattr(turbo_sim.train, '_all_')")
