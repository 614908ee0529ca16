"The inputs physicists have (issue 20, point 3): LHE files written here from the shipped hard-process events, ROOT trees under any name and RNTuples, the domain checked on input, and --seed."
import gzip, subprocess, warnings
from pathlib import Path
import h5py
import numpy as np
import pytest
import uproot
from turbo_sim.data import EventFileError, save_events, load_events
from turbo_sim.io import read_events, check_domain, DomainWarning, TRAINING_RANGES
from turbo_sim.physics import as_objects, mass

REPO = Path(__file__).resolve().parents[1]
MODEL, DATA = REPO/'results'/'turbo_sim_best.pt', REPO/'data'/'ttbar.h5'
N = 250   # shipped events in the small files


def run(*args):
    "Run a console script on one thread: the finished process"
    return subprocess.run([*map(str, args), '--threads', '1'], capture_output=True, text=True)


def succeeded(r):
    assert r.returncode == 0, f'exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}'
    return r


def refused(r, *messages):
    "Exit status 1, one line on stderr naming the problem, no traceback"
    assert r.returncode == 1, f'exit {r.returncode}\n{r.stderr[-2000:]}'
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr
    for m in messages: assert m in lines[0], lines[0]


@pytest.fixture(scope='module')
def shipped():
    "The first `N` shipped events: z, x (N, 24) float32 GeV"
    with h5py.File(DATA, 'r') as f: return f['FDL'][:N], f['ROL'][:N]


# --- LHE: a MadGraph-like file written here, not by turbo_sim.io.write_lhe -------------------------------------------

def particle(pid, status, mothers, colours, p4):
    "One LHE particle line as MadGraph writes it: signed fixed-width numbers, the mass from the four-vector"
    m = np.sqrt(max(float(p4[3])**2 - sum(float(c)**2 for c in p4[:3]), 0.0))
    return f"{pid:>9d} {status:2d} {mothers[0]:4d} {mothers[1]:4d} {colours[0]:4d} {colours[1]:4d} " + ' '.join(f'{float(c):+.10e}' for c in (*p4, m)) + ' 0.0000e+00 9.0000e+00'


def madgraph_event(z6):
    "The record of `generate p p > t t~, (t > b w+, w+ > u d~), (t~ > b~ w-, w- > e- ve~)` in MadGraph's order, from z's six partons (6, 4)"
    e, nu, b, bbar, u, dbar = (np.asarray(p, np.float64) for p in z6)
    wp, wm = u + dbar, e + nu
    t, tbar = b + wp, bbar + wm
    s = t + tbar
    plus, minus = (s[3] + s[2]) / 2, (s[3] - s[2]) / 2
    return [(21, -1, (0, 0), (501, 502), (0, 0, plus, plus)), (21, -1, (0, 0), (503, 501), (0, 0, -minus, minus)),
            (6, 2, (1, 2), (503, 0), t), (24, 2, (3, 3), (0, 0), wp), (5, 1, (3, 3), (503, 0), b),
            (-6, 2, (1, 2), (0, 502), tbar), (-24, 2, (6, 6), (0, 0), wm), (-5, 1, (6, 6), (0, 502), bbar),
            (2, 1, (4, 4), (504, 0), u), (-1, 1, (4, 4), (0, 504), dbar), (11, 1, (7, 7), (0, 0), e), (-12, 1, (7, 7), (0, 0), nu)]


def lhe_text(records):
    "A Les Houches file (version 3) with an <init> block for 13 TeV pp and one <event> block per record"
    head = ['<LesHouchesEvents version="3.0">', '<header>', '<MGVersion>', '3.5.0', '</MGVersion>',
            '<MG5ProcCard>', 'generate p p > t t~, (t > b w+, w+ > u d~), (t~ > b~ w-, w- > e- ve~)', '</MG5ProcCard>', '</header>',
            '<init>', '     2212     2212  +6.5000000e+03  +6.5000000e+03 0 0 247000 247000 -4 1', '  +1.0000000e+01  +1.0000000e-01  +1.0000000e+01 1', '</init>']
    events = []
    for rows in records:
        events += ['<event>', f' {len(rows)}      1 +1.0000000e+01 1.72500000e+02 7.54677100e-03 1.18000000e-01',
                   *(particle(*r) for r in rows), '<mgrwt>', '<rscale>  0 0.17250000E+03</rscale>', '</mgrwt>', '</event>']
    return '\n'.join(head + events + ['</LesHouchesEvents>', ''])


def test_lhe_reads_back_the_events_it_came_from(shipped, tmp_path):
    z, _ = shipped
    (tmp_path/'tt.lhe').write_text(lhe_text(madgraph_event(o) for o in as_objects(z)))
    got = read_events(tmp_path/'tt.lhe', 'parton')
    assert got.dtype == np.float32 and got.shape == (N, 24)
    assert np.array_equal(got, z)                                   # to float32 precision: every number the same
    with gzip.open(tmp_path/'tt.lhe.gz', 'wt') as f: f.write((tmp_path/'tt.lhe').read_text())
    assert np.array_equal(read_events(tmp_path/'tt.lhe.gz', 'parton'), z)
    tops = mass(as_objects(got)[:, [2, 4, 5]].sum(1))               # the chain read in the right slots: b u d~ make the top
    assert 165 < np.median(tops) < 180


def test_simulate_from_lhe_equals_simulate_from_hdf5(shipped, tmp_path):
    z, x = shipped
    (tmp_path/'tt.lhe').write_text(lhe_text(madgraph_event(o) for o in as_objects(z)))
    save_events(tmp_path/'tt.h5', z, x)
    r = succeeded(run('turbo-sim-simulate', '--model', MODEL, '--partons', tmp_path/'tt.lhe', '--out', tmp_path/'from_lhe.h5', '--seed', 3))
    assert f'{N} detector-level events' in r.stdout and r.stderr == ''   # the shipped events: no domain warning
    succeeded(run('turbo-sim-simulate', '--model', MODEL, '--partons', tmp_path/'tt.h5', '--out', tmp_path/'from_h5.h5', '--seed', 3))
    assert np.array_equal(read_events(tmp_path/'from_lhe.h5', 'detector'), read_events(tmp_path/'from_h5.h5', 'detector'))


def with_event(records, k, rows):
    "`records` with record `k` replaced by `rows`"
    return [rows if i == k else r for i, r in enumerate(records)]


def relabel(rows, ids):
    "A record with PDG ids changed by the map `ids`"
    return [(ids.get(pid, pid), *rest) for pid, *rest in rows]


@pytest.mark.parametrize('k, change, message', [
    (5, {11: 13, -12: -14}, 'event 5: final state b b~ u d~ mu- nu_mu~; expected e- nu_e~ b b~ u d~ of pp -> tt~ -> e- + jets'),                # mu + jets
    (5, {11: 13, -12: -14, 2: -13, -1: 14}, 'event 5: final state b b~ mu+ nu_mu mu- nu_mu~; expected e- nu_e~ b b~ u d~'),   # dimuon
    (0, {2: -11, -1: 12}, 'event 0: final state b b~ e+ nu_e e- nu_e~; expected'),                                           # dilepton ee
    (249, {11: 2, -12: -1}, 'event 249: final state b b~ u d~ u d~; expected'),                                              # all hadronic
])
def test_other_channels_are_refused_naming_the_event(shipped, tmp_path, k, change, message):
    z, _ = shipped
    records = [madgraph_event(o) for o in as_objects(z)]
    (tmp_path/'other.lhe').write_text(lhe_text(with_event(records, k, relabel(records[k], change))))
    with pytest.raises(EventFileError, match='other.lhe: ') as e: read_events(tmp_path/'other.lhe', 'parton')
    assert message in str(e.value), str(e.value)
    if k == 5 and -13 in change.values():   # the dimuon file, through the command as a user runs it: one line, nothing written
        refused(run('turbo-sim-simulate', '--model', MODEL, '--partons', tmp_path/'other.lhe', '--out', tmp_path/'o.h5'), message)
        assert sorted(p.name for p in tmp_path.iterdir()) == ['other.lhe']


def test_a_record_without_the_tops_is_refused(shipped, tmp_path):
    "The six partons of the right flavours, but not from t t~: refused, saying where the chain breaks"
    z, _ = shipped
    records = [madgraph_event(o) for o in as_objects(z[:3])]
    flat = [(pid, st, (1, 2) if st == 1 else m, c, p4) for pid, st, m, c, p4 in records[1] if st != 2]
    (tmp_path/'flat.lhe').write_text(lhe_text(with_event(records, 1, flat)))
    with pytest.raises(EventFileError, match=r'flat.lhe: event 1: e- <- g; expected e- <- W- <- t~ \(the decay chain of pp -> tt~ -> e- \+ jets\)'):
        read_events(tmp_path/'flat.lhe', 'parton')


# --- ROOT trees under any name, and RNTuples ------------------------------------------------------------------------

def test_tree_option_reads_any_name_and_rntuple(shipped, tmp_path):
    z, x = shipped
    with uproot.recreate(tmp_path/'nano.root') as f: f['Events'] = {'x': x}                    # uproot's simplest write
    with uproot.open(tmp_path/'nano.root') as f: assert f.classnames() == {'Events;1': 'ROOT::RNTuple'}   # an RNTuple in this uproot
    assert np.array_equal(read_events(tmp_path/'nano.root', 'detector', tree='Events'), x)
    refused(run('turbo-sim-unfold', '--model', MODEL, '--events', tmp_path/'nano.root', '--out', tmp_path/'o.h5'),
            "nano.root: tree 'events' is missing; expected a TTree or RNTuple 'events' (choose another with --tree), found ['Events']")
    succeeded(run('turbo-sim-unfold', '--model', MODEL, '--events', tmp_path/'nano.root', '--tree', 'Events', '--out', tmp_path/'from_rntuple.h5'))
    with uproot.recreate(tmp_path/'ttree.root') as f: f.mktree('Delphes', {'x': np.dtype((np.float64, (24,)))}).extend({'x': x.astype(np.float64)})
    succeeded(run('turbo-sim-unfold', '--model', MODEL, '--events', tmp_path/'ttree.root', '--tree', 'Delphes', '--out', tmp_path/'from_ttree.h5'))
    assert np.array_equal(read_events(tmp_path/'from_rntuple.h5', 'parton'), read_events(tmp_path/'from_ttree.h5', 'parton'))


def test_rntuple_per_object_fields_and_bad_fields(shipped, tmp_path):
    z, _ = shipped
    from turbo_sim.io import to_branches
    with uproot.recreate(tmp_path/'flat.root') as f: f['partons'] = to_branches(z, 'parton')
    got = read_events(tmp_path/'flat.root', 'parton', tree='partons')
    assert (np.abs(got - z) <= 1e-4 * np.repeat(z[:, 3::4], 4, axis=1)).all()
    with uproot.recreate(tmp_path/'short.root') as f: f['Events'] = {'x': z[:, :20]}
    with pytest.raises(EventFileError, match=r"field 'x' of RNTuple 'Events' must have shape \(N, 24\); found \(250, 20\)"):
        read_events(tmp_path/'short.root', 'detector', tree='Events')


# --- the domain -------------------------------------------------------------------------------------------------------

def test_the_shipped_data_is_never_refused_nor_warned():
    z, x = load_events(DATA)
    with warnings.catch_warnings():
        warnings.simplefilter('error', DomainWarning)
        dz, dx = check_domain(z, 'parton', 'ttbar.h5'), check_domain(x, 'detector', 'ttbar.h5')
    assert dz.n == dx.n == 250_000 and dz.n_outside == dx.n_outside == 0


def test_ranges_are_those_of_the_data():
    from turbo_sim.io import training_ranges, domain_features
    z, x = load_events(DATA)
    for level, events in (('parton', z), ('detector', x)):
        assert training_ranges(events, level) == TRAINING_RANGES[level]
        for k, v in domain_features(events, level).items():
            lo, hi = TRAINING_RANGES[level][k]
            assert lo <= v.min() and v.max() <= hi and (hi - lo) <= 1.01 * (v.max() - v.min()) + 1e-3, k   # covering, and tight


def reorder(events, order): return as_objects(events)[:, order].reshape(len(events), 24).astype(np.float32)


@pytest.mark.parametrize('level, make, messages', [
    ('parton', lambda z, x: (z * 1000, x), ['entry 0: the median |p| of its objects is', '(MeV? divide by 1000); expected GeV.']),
    ('detector', lambda z, x: (z, x * 1000), ['entry 0: the median |p| of its objects is', 'MeV?']),
    ('parton', lambda z, x: (reorder(z, [0, 1, 3, 2, 4, 5]), x), ['b and b~ make tops with the wrong W in', 'are the objects in the order e-, nu_e~, b, b~, u, d~?']),
    ('parton', lambda z, x: (reorder(z, [2, 3, 0, 1, 4, 5]), x), ['a mass out of place in 100% of the events (first at entry 0: e- (object 1) has mass 4.8 GeV)']),
    ('detector', lambda z, x: (z, reorder(x, [1, 0, 2, 3, 4, 5])), ['the electron outside the tracker in', 'are the objects in the order electron, missing momentum, jets 1-4 by descending pT?']),
])
def test_commands_refuse_inputs_outside_the_domain(shipped, tmp_path, level, make, messages):
    z, x = make(*shipped)
    save_events(tmp_path/'in.h5', z, x)
    cmd, option = ('turbo-sim-simulate', '--partons') if level == 'parton' else ('turbo-sim-unfold', '--events')
    refused(run(cmd, '--model', MODEL, option, tmp_path/'in.h5', '--out', tmp_path/'out.root'), 'in.h5: ', *messages)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['in.h5']


def test_nan_is_refused_naming_the_entry_and_column(shipped, tmp_path):
    z, x = shipped
    z = z.copy(); z[17, 9] = np.nan
    with h5py.File(tmp_path/'nan.h5', 'w') as f: f['FDL'] = z
    refused(run('turbo-sim-simulate', '--model', MODEL, '--partons', tmp_path/'nan.h5', '--out', tmp_path/'o.h5'),
            "nan.h5: dataset 'FDL' has 1 NaN or inf values in 1 events (first at entry 17, column 9 = b py); expected finite numbers.")


def test_events_outside_the_ranges_warn_in_one_line(shipped, tmp_path):
    z, x = shipped
    p4s = as_objects(z).copy()
    p4s[:25] *= 2                                                                       # 10% of the events at twice the energy (b quarks of 9.6 GeV)
    save_events(tmp_path/'hot.h5', p4s.reshape(-1, 24).astype(np.float32), x)
    r = succeeded(run('turbo-sim-simulate', '--model', MODEL, '--partons', tmp_path/'hot.h5', '--out', tmp_path/'o.h5'))
    assert r.stderr.count('\n') == 1 and r.stderr.startswith('turbo-sim-simulate: warning: '), r.stderr
    assert f"hot.h5: 10% of the {N} events lie outside the training ranges (min-max of the 250,000 events of data/ttbar.h5; most often" in r.stderr, r.stderr
    assert read_events(tmp_path/'o.h5', 'detector').shape == (N, 24)


# --- --seed -----------------------------------------------------------------------------------------------------------

def test_seed_reaches_the_model(shipped, tmp_path):
    import torch
    from turbo_sim.models import load_model
    z, x = shipped
    save_events(tmp_path/'in.h5', z, x)
    for name, seed in (('a.h5', 5), ('b.h5', 5), ('c.h5', 6)):
        succeeded(run('turbo-sim-simulate', '--model', MODEL, '--partons', tmp_path/'in.h5', '--out', tmp_path/name, '--seed', seed))
    a, b, c = (read_events(tmp_path/n, 'detector') for n in ('a.h5', 'b.h5', 'c.h5'))
    assert np.array_equal(a, b) and not np.allclose(a, c)
    torch.set_num_threads(1)
    assert np.array_equal(a, load_model(MODEL).simulate(z, seed=5))                    # one chunk: exactly model.simulate(z, seed=5)
    succeeded(run('turbo-sim-unfold', '--model', MODEL, '--events', tmp_path/'in.h5', '--out', tmp_path/'u.h5', '--seed', 5))
    assert np.array_equal(read_events(tmp_path/'u.h5', 'parton'), load_model(MODEL).unfold(x, seed=5))


def test_help_lists_the_new_options():
    for cmd in ('turbo-sim-simulate', 'turbo-sim-unfold'):
        stdout = subprocess.run([cmd, '--help'], capture_output=True, text=True).stdout
        assert '--tree' in stdout and '--seed' in stdout
