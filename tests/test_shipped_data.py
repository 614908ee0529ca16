"The shipped tt̄ data set: loads through turbo_sim.data, matches data/README.md, and holds physics."
import re
from pathlib import Path
import numpy as np
from turbo_sim.data import load_events, read_provenance, content_sha256
from turbo_sim.physics import reco_observables

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT/'data'/'ttbar.h5'


def test_shipped_data_loads_and_matches_its_readme():
    z, x = load_events(DATA)
    readme = (ROOT/'data'/'README.md').read_text()
    n_stated = int(re.search(r'selected events: ([\d,]+)', readme).group(1).replace(',', ''))
    assert z.shape == x.shape == (n_stated, 24) and z.dtype == np.float32
    assert n_stated >= 100_000
    assert np.isfinite(z).all() and np.isfinite(x).all()
    assert content_sha256(z, x) in readme
    info = read_provenance(DATA)
    assert info['mpi'] is True and info['n_selected'] == n_stated and f"--seed {info['seed']}" in readme


def test_shipped_data_physics():
    z, x = load_events(DATA)
    m = reco_observables(x[:50_000])
    counts, edges = np.histogram(m['m_W_had'], np.arange(40, 131, 5))
    assert 70 <= edges[counts.argmax()] + 2.5 <= 90
    counts, edges = np.histogram(m['m_t_had'], np.arange(100, 301, 10))
    assert 150 <= edges[counts.argmax()] + 5 <= 200
