"Generation across machines through the console scripts: shard ranges made by separate commands, merged (small samples, MPI off)."
import subprocess
import numpy as np
from turbo_sim.data import load_events, read_provenance

SAMPLE = ['--seed', '11', '--shard-size', '1000', '--no-mpi', '--quiet', '--threads', '1']


def run(*args, cwd=None, ok=True):
    "Run a console script; fail the test with its output if its success is not `ok`"
    r = subprocess.run(list(args), capture_output=True, text=True, cwd=cwd)
    assert (r.returncode == 0) == ok, f'{args} exited {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    return r


def test_ranges_merge_to_one_run(tmp_path):
    "Two --shards ranges, then turbo-sim-merge, give the events of one turbo-sim-generate run with the same seed"
    out = tmp_path/'apart.h5'
    first = run('turbo-sim-generate', '--shards', '0:1', '--out', str(out), *SAMPLE).stdout
    run('turbo-sim-generate', '--shards', '1:3', '--out', str(out), *SAMPLE)
    assert 'made 1 [0]' in first and 'No output file written' in first and not out.exists()
    assert sorted(p.name for p in (tmp_path/'apart.shards').glob('*.h5')) == ['shard_00000.h5', 'shard_00001.h5', 'shard_00002.h5']
    merged = run('turbo-sim-merge', '--out', str(out), '--n-events', '250', '--threads', '1').stdout
    assert '250 selected events' in merged
    run('turbo-sim-generate', '--n-events', '250', '--out', str(tmp_path/'one.h5'), *SAMPLE)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(load_events(out), load_events(tmp_path/'one.h5')))
    assert 'turbo-sim-merge' in read_provenance(out)['command'] and read_provenance(out)['seed'] == 11


def test_refusals_are_one_line(tmp_path):
    "A malformed range, a missing shard folder and too few events end with one line naming the problem, no traceback"
    for args, text in ((['turbo-sim-generate', '--shards', '2:1', '--out', str(tmp_path/'a.h5')], "'shards' (--shards) must be a half-open range"),
                       (['turbo-sim-merge', '--out', str(tmp_path/'a.h5'), '--n-events', '10'], 'neither a shard folder'),
                       (['turbo-sim-generate', '--threads', '-1'], 'argument --threads: expected an integer >= 0')):
        r = run(*args, ok=False)
        assert text in r.stderr and 'Traceback' not in r.stderr, r.stderr
