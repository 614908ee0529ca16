"The main job as a smoke run on the shipped data, and its pretrained model through turbo-sim-evaluate."
import subprocess
from pathlib import Path
import numpy as np
import pytest
from turbo_sim.metrics import read_table, TALK_COLUMNS, EXTRA_COLUMNS
from turbo_sim.train import load_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT/'data'/'ttbar.h5'


def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, f'{args} exited {r.returncode}\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}'
    return r.stdout


def test_reproduce_quick_and_evaluate(tmp_path):
    out = tmp_path/'quick'
    stdout = run('turbo-sim-reproduce', '--quick', '--out', str(out), '--device', 'cpu')
    assert 'Turbo-Sim (talk)' in stdout
    rows = read_table(out/'ttbar_ks.csv')
    assert list(rows) == ['turbo-sim best', 'floor']
    for name in rows: assert set(rows[name]) == set(TALK_COLUMNS + EXTRA_COLUMNS)
    assert all(0 <= v <= 1 for r in rows.values() for k, v in r.items() if k in TALK_COLUMNS)
    assert all(rows['floor'][k] < 0.1 for k in TALK_COLUMNS)                       # 3,000-event halves of one distribution
    assert (out/'turbo_sim_best.pt').exists() and (out/'turbo_sim_best.json').exists() and (out/'columns_turbo_sim_best.png').exists()
    model = load_model(out/'turbo_sim_best.pt')
    assert model.simulate(np.zeros((3, 24), np.float32) + 50).shape == (3, 24)
    # the exported model, through the evaluation command, gives back the reproduce row exactly (same seed, same events)
    run('turbo-sim-evaluate', '--model', str(out/'turbo_sim_best.pt'), '--data', str(DATA), '--out', str(tmp_path/'eval'), '--max-events', '6000')
    again = read_table(tmp_path/'eval'/'ks.csv')
    for k in TALK_COLUMNS + EXTRA_COLUMNS: assert again['model'][k] == pytest.approx(rows['turbo-sim best'][k], abs=1e-6), k
