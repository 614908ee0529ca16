"tools/slurm_train.sh from a fresh checkout: it makes its log folder before submitting, runs one process per GPU of the allocation, and trains the shipped configuration (Slurm's commands and torchrun replaced by stubs that record what they are given)."
import os, shutil, subprocess, sys
from pathlib import Path
import pytest
from turbo_sim.core import make_parser
from turbo_sim.reproduce import reproduce_main, DEFAULT_ROWS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT/'tools'/'slurm_train.sh'
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(shutil.which('bash') is None, reason='bash not installed')


def stubs(folder:Path) -> Path:
    "sbatch, srun, scontrol and torchrun stubs in `folder`/bin: each appends its arguments, one per line, to `folder`/NAME.args"
    bin_ = folder/'bin'; bin_.mkdir()
    record = lambda name, extra='': f'#!/bin/bash\nprintf "%s\\n" "$@" > "{folder}/{name}.args"\n{extra}'
    (bin_/'sbatch').write_text(record('sbatch', 'for a in "$@"; do case $a in --output=*) d=$(dirname "${a#--output=}"); [ -d "$d" ] || { echo "sbatch: no folder $d" >&2; exit 1; };; esac; done\necho "Submitted batch job 42"\n'))
    (bin_/'srun').write_text('#!/bin/bash\nexec "$@"\n')
    (bin_/'scontrol').write_text('#!/bin/bash\necho gpu01; echo gpu02\n')
    (bin_/'torchrun').write_text(record('torchrun'))
    for f in bin_.iterdir(): f.chmod(0o755)
    return bin_


def run(args, cwd, env):
    r = subprocess.run(['bash', str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def slurm_free_env(**kw):
    env = {k: v for k, v in os.environ.items() if not k.startswith('SLURM_')}
    return {**env, **kw}


def test_syntax():
    subprocess.run(['bash', '-n', str(SCRIPT)], check=True)


def test_submission_makes_the_log_folder(tmp_path):
    checkout = tmp_path/'checkout'; (checkout/'data').mkdir(parents=True); (checkout/'data'/'ttbar.h5').touch()   # a fresh checkout: no logs/
    bin_ = stubs(tmp_path)
    env = slurm_free_env(PATH=f'{bin_}:{BIN}:{os.environ["PATH"]}', NODES='2', GPUS_PER_NODE='8')
    dry = run(['--seeds', '3'], checkout, {**env, 'DRY_RUN': '1'})
    assert 'mkdir -p logs/slurm' in dry and not (checkout/'logs').exists() and not (tmp_path/'sbatch.args').exists()   # a dry run prints, runs nothing
    run(['--seeds', '3'], checkout, env)   # the stub sbatch fails if the log folder is missing
    assert (checkout/'logs'/'slurm').is_dir()
    args = (tmp_path/'sbatch.args').read_text().split('\n')
    assert {'--nodes=2', '--gpus-per-node=8', '--output=logs/slurm/train_%j.out'} <= set(args) and args[-3:-1] == ['--seeds', '3']


def test_refuses_outside_the_checkout(tmp_path):
    r = subprocess.run(['bash', str(SCRIPT)], cwd=tmp_path, env=slurm_free_env(), capture_output=True, text=True)
    assert r.returncode == 1 and 'repository root' in r.stderr


@pytest.mark.parametrize('gpus, nproc', [('8', '8'), (None, '1')])
def test_job_trains_the_shipped_configuration(tmp_path, gpus, nproc):
    bin_ = stubs(tmp_path)
    env = slurm_free_env(PATH=f'{bin_}:{BIN}:{os.environ["PATH"]}', SLURM_JOB_ID='42', SLURM_NNODES='2', SLURM_JOB_NODELIST='gpu[01-02]',
                         SLURM_SUBMIT_DIR=str(ROOT), **({'SLURM_GPUS_ON_NODE': gpus} if gpus else {}))
    dry = run(['--epochs', '5'], tmp_path, {**env, 'DRY_RUN': '1'})
    assert dry.splitlines()[-1].startswith('srun torchrun') and not (tmp_path/'torchrun.args').exists()
    run(['--epochs', '5'], tmp_path, env)
    args = (tmp_path/'torchrun.args').read_text().split('\n')[:-1]
    assert {'--nnodes=2', f'--nproc_per_node={nproc}', '--rdzv_endpoint=gpu01:29500', '--rdzv_id=42'} <= set(args)
    program = next(i for i, a in enumerate(args) if a.endswith('turbo-sim-reproduce'))
    options = vars(make_parser(reproduce_main).parse_args(args[program + 1:]))   # what turbo-sim-reproduce will read
    assert (options['rows'], options['device'], options['patience'], options['out']) == ('turbo-sim response met-nu flag', 'cuda', 10, 'runs/slurm_42')
    assert options['rows'] == ','.join(DEFAULT_ROWS) and options['epochs'] == 5   # the shipped row; options given to the script come last and win
