"The main job as a smoke run on the shipped data (two candidate rows, two seeds), its choice of 'turbo-sim best' on validation, and its pretrained model through turbo-sim-evaluate."
import json, subprocess
from pathlib import Path
import numpy as np
import pytest
from turbo_sim.metrics import read_table, table_rows, TALK_COLUMNS, TABLE_COLUMNS
from turbo_sim.reproduce import read_seed_table, seed_rows
from turbo_sim.models import load_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT/'data'/'ttbar.h5'


def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, f'{args} exited {r.returncode}\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}'
    return r.stdout


def test_reproduce_quick_and_evaluate(tmp_path):
    out = tmp_path/'quick'
    stdout = run('turbo-sim-reproduce', '--quick', '--max-train', '5000', '--seeds', '2', '--rows', 'turbo-sim mlp,turbo-sim flow',
                 '--out', str(out), '--device', 'cpu', '--threads', '1')
    assert 'Turbo-Sim (talk)' in stdout and ' ± ' in stdout
    rows = table_rows(read_table(out/'ttbar_ks_mean.csv'))
    info = json.loads((out/'run_info.json').read_text())
    runs = read_seed_table(out/'ttbar_ks.csv')
    seeds = seed_rows(runs)
    assert list(rows) == ['turbo-sim best', 'turbo-sim mlp', 'turbo-sim flow', 'floor']
    assert {k: len(v) for k, v in seeds.items()} == {'turbo-sim best': 2, 'turbo-sim mlp': 2, 'turbo-sim flow': 2, 'floor': 1}
    for name in rows: assert set(rows[name]) == set(TABLE_COLUMNS) - ({'nll_x', 'nll_z'} if name == 'turbo-sim mlp' or (name == 'turbo-sim best' and info['best'] == 'turbo-sim mlp') else set()), name   # MLP maps have no density
    assert all(0 <= v <= 1 for r in rows.values() for k, v in r.items() if k in TALK_COLUMNS)
    assert all(rows['floor'][k] < 0.1 for k in TALK_COLUMNS)                       # 3,000-event halves of one distribution
    for k in TALK_COLUMNS: assert rows['turbo-sim mlp'][k] == pytest.approx(np.mean([r[k] for r in seeds['turbo-sim mlp']]), abs=1e-5)   # the mean over seeds
    # 'turbo-sim best' is the candidate with the lowest mean validation KS sum, and the exported model its seed with the lowest one
    info = json.loads((out/'run_info.json').read_text())
    val = info['validation']
    assert info['best'] == min(val, key=lambda k: np.mean(val[k])) and seeds['turbo-sim best'] == seeds[info['best']]
    assert info['best_seed'] == int(np.argmin(val[info['best']]))
    assert (out/'turbo_sim_best.pt').exists() and (out/'turbo_sim_best.json').exists() and (out/'columns_turbo_sim_best.png').exists()
    assert (out/'runs'/'turbo_sim_flow'/'seed_1'/'best.pt').exists()
    model = load_model(out/'turbo_sim_best.pt')
    assert model.simulate(np.zeros((3, 24), np.float32) + 50).shape == (3, 24)
    # the exported model, through the evaluation command, gives back its seed's row exactly (same evaluation seed, same events)
    run('turbo-sim-evaluate', '--model', str(out/'turbo_sim_best.pt'), '--data', str(DATA), '--out', str(tmp_path/'eval'), '--max-events', '6000')
    again, mine = table_rows(read_table(tmp_path/'eval'/'ks.csv')), seeds[info['best']][info['best_seed']]
    for k in TABLE_COLUMNS: assert again['model'][k] == pytest.approx(mine[k], abs=1e-5), k
