"""Failure that never loses work: every bad input a user can give, through the Python API and through the commands.

Each case gets one clear message naming the file, the field and what was expected; the commands exit with status 1,
print that one line and no traceback (unless --debug), and leave everything already on disk as it was."""
import argparse, json, os, subprocess
from pathlib import Path
import h5py
import numpy as np
import pytest
import torch
from turbo_sim.core import check_output, pick_device
from turbo_sim.data import EventFileError, load_events, save_events
from turbo_sim.models import CheckpointError, load_checkpoint, load_model, save_checkpoint, build_model
from turbo_sim.config import TrainConfig
from turbo_sim.layers import Normaliser
from turbo_sim.generate import generate
from turbo_sim.train import train
from turbo_sim.metrics import evaluate_file

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO/'results'/'turbo_sim_best.pt'
UNWRITABLE = Path('/sys/turbo-sim-test')   # a folder nobody, root included, can create files in (sysfs)


def snapshot(folder):
    "Every file under `folder`: its bytes and modification time"
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.rglob('*')) if p.is_file()}


@pytest.fixture(scope='module')
def bad(tmp_path_factory):
    "A folder of bad inputs beside good ones"
    tmp = tmp_path_factory.mktemp('bad')
    with h5py.File(REPO/'data'/'ttbar.h5', 'r') as f: z, x = f['FDL'][:300], f['ROL'][:300]
    whole = save_events(tmp/'good.h5', z, x).read_bytes()
    (tmp/'cut.h5').write_bytes(whole[:len(whole) // 2])
    (tmp/'folder.h5').mkdir()
    (tmp/'afile').write_text('a file, not a folder')
    def raw(name, **datasets):
        with h5py.File(tmp/name, 'w') as f:
            for k, v in datasets.items(): f[k] = v
    raw('int.h5', FDL=z.astype(np.int32), ROL=x)
    raw('str.h5', FDL=z, ROL=np.full(x.shape, b'GeV'))
    z_neg = z.copy(); z_neg[17, 3] = -5.0; raw('negative.h5', FDL=z_neg, ROL=x)
    x_low = x.copy(); x_low[4, 11] *= 0.5; raw('below.h5', FDL=z, ROL=x_low)
    # the checkpoint cases are about the loader, and name the keys of MLP maps: a small MLP model of these events (the shipped model is a flow)
    torch.manual_seed(0)
    mlp_cfg = TrainConfig()
    save_checkpoint(tmp/'mlp.pt', dict(config=json.dumps(mlp_cfg.to_dict()), epoch=0, model=build_model(mlp_cfg, Normaliser.fit(z, x)).state_dict()))
    ckpt = load_checkpoint(tmp/'mlp.pt')
    cfg = json.loads(ckpt['config']); cfg['encoder_widths'] = [24, 32, 24]
    save_checkpoint(tmp/'other.pt', {**ckpt, 'config': json.dumps(cfg)})     # a valid hash, another architecture
    save_checkpoint(tmp/'hashed.pt', ckpt)
    data, weights = bytearray((tmp/'hashed.pt').read_bytes()), ckpt['model']['decoder.net.2.weight'].numpy().tobytes()
    data[data.index(weights[:64]) + 1000] ^= 0x01
    (tmp/'corrupt.pt').write_bytes(bytes(data))                              # one bit flipped inside a tensor
    (tmp/'cut.pt').write_bytes(MODEL.read_bytes()[:100_000])
    torch.save({'config': ckpt['config'], 'model': argparse.Namespace(note='not weights')}, tmp/'pickled.pt')   # any object: here a standard one
    (tmp/'done').mkdir(); (tmp/'done'/'ks.csv').write_text('model,b_py\nmodel,0.01\n')
    return tmp


def refused_by(bad, *args):
    "Run a console script in `bad`; check exit status 1, one line on stderr, no traceback, nothing on disk changed; the line"
    before = snapshot(bad)
    r = subprocess.run([*map(str, args), '--threads', '1'], capture_output=True, text=True, cwd=bad, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    lines = [l for l in r.stderr.strip().splitlines() if ': warning: ' not in l]
    assert r.returncode == 1 and len(lines) == 1 and 'Traceback' not in r.stderr, f'exit {r.returncode}\n{r.stderr[-3000:]}'
    assert snapshot(bad) == before
    assert not UNWRITABLE.exists()
    return lines[0]


# ---- the Python API: one error type per reader, the message names the file, the field and what was expected

def raises(exc, fn, *messages):
    with pytest.raises(exc) as e: fn()
    for m in messages: assert m in str(e.value), (m, str(e.value))


def test_api_directory_instead_of_file(bad):
    raises(EventFileError, lambda: load_events(bad/'folder.h5'), 'folder.h5: is a directory', "expected an HDF5 file with datasets 'FDL' and 'ROL'")
    raises(CheckpointError, lambda: load_model(bad), f'{bad}: is a directory', 'expected a checkpoint written by turbo-sim-train')


def test_api_truncated(bad):
    raises(EventFileError, lambda: load_events(bad/'cut.h5'), 'cut.h5: ', 'truncated or corrupt?')
    raises(CheckpointError, lambda: load_model(bad/'cut.pt'), 'cut.pt: truncated or corrupt')


def test_api_integer_and_string_dtypes(bad):
    raises(EventFileError, lambda: load_events(bad/'int.h5'), "int.h5: dataset 'FDL' holds int32 values; expected floating-point numbers")
    raises(EventFileError, lambda: load_events(bad/'str.h5'), "str.h5: dataset 'ROL' holds |S3 values; expected floating-point numbers")


def test_api_absurd_values(bad):
    raises(EventFileError, lambda: load_events(bad/'negative.h5'), "negative.h5: dataset 'FDL' has negative energies in 1 events (first at row 17, object 1", 'expected (px, py, pz, E)')
    raises(EventFileError, lambda: load_events(bad/'below.h5'), "below.h5: dataset 'ROL' has energies below |p| (E < |p|) in 1 events (first at row 4, object 3")


def test_api_checkpoints(bad):
    raises(CheckpointError, lambda: load_model(bad/'other.pt'), "other.pt: field 'model' does not fit the architecture its field 'config' describes", 'Unexpected key(s) in state_dict: "encoder.net.4.weight"')
    raises(CheckpointError, lambda: load_model(bad/'corrupt.pt'), "corrupt.pt: field 'sha256' does not match the content")
    raises(CheckpointError, lambda: load_model(bad/'pickled.pt'), 'pickled.pt: holds a pickled Python object (argparse.Namespace)', 'expected tensors, numbers and strings only')
    assert torch.equal(load_model(bad/'hashed.pt').decoder.net[0].weight, load_model(bad/'mlp.pt').decoder.net[0].weight)


def test_api_unknown_device():
    raises(ValueError, lambda: pick_device('gpu'), "'device' (--device) is 'gpu', not a device; expected 'auto', 'cpu', 'cuda' or 'cuda:N'")
    raises(ValueError, lambda: load_model(MODEL, device='tpu'), "'device' (--device) is 'tpu'")


def test_api_zero_or_negative_counts(bad, tmp_path):
    raises(ValueError, lambda: generate(0, 1, tmp_path/'g.h5', progress=False), "'n_events' (--n-events) must be >= 1; got 0")
    raises(ValueError, lambda: generate(10, 1, tmp_path/'g.h5', shard_size=-5, progress=False), "'shard_size' (--shard-size) must be >= 1; got -5")
    raises(ValueError, lambda: train(TrainConfig(data=str(bad/'good.h5'), epochs=0, device='cpu'), tmp_path/'run'), "'epochs' (--epochs) must be >= 1; got 0")
    raises(ValueError, lambda: train(TrainConfig(data=str(bad/'good.h5'), batch_size=-1, device='cpu'), tmp_path/'run'), "'batch_size' (--batch-size) must be >= 1; got -1")
    raises(ValueError, lambda: evaluate_file(MODEL, bad/'good.h5', tmp_path/'ev', max_events=-3), "'max_events' (--max-events) must be >= 0")
    assert list(tmp_path.iterdir()) == []


def test_api_unwritable_output(bad):
    raises(ValueError, lambda: check_output(UNWRITABLE/'x.h5'), f'{UNWRITABLE}: cannot write in /sys', 'expected a folder where the output can be written')
    raises(ValueError, lambda: train(TrainConfig(data=str(bad/'good.h5'), device='cpu'), bad/'afile'/'run'), 'afile is a file, not a folder')
    raises(ValueError, lambda: evaluate_file(MODEL, bad/'good.h5', UNWRITABLE), 'cannot write in /sys')


def test_api_existing_output(bad):
    raises(ValueError, lambda: evaluate_file(MODEL, bad/'good.h5', bad/'done'), 'done/ks.csv: exists; pass --force to replace the evaluation')
    raises(ValueError, lambda: check_output(bad/'good.h5'), 'good.h5: exists; pass --force to replace it')


# ---- the commands: the same cases, one line, exit status 1, nothing touched

@pytest.mark.parametrize('args, message', [
    (['turbo-sim-evaluate', '--model', MODEL, '--data', 'folder.h5', '--out', 'ev'], "folder.h5: is a directory; expected an HDF5 file with datasets 'FDL' and 'ROL'"),
    (['turbo-sim-evaluate', '--model', 'folder.h5', '--out', 'ev'], 'folder.h5: is a directory; expected a checkpoint written by turbo-sim-train'),
    (['turbo-sim-train', '--data', 'cut.h5', '--out', 'run', '--device', 'cpu'], 'truncated or corrupt?'),
    (['turbo-sim-evaluate', '--model', 'cut.pt', '--data', 'good.h5', '--out', 'ev'], 'cut.pt: truncated or corrupt'),
    (['turbo-sim-train', '--data', 'int.h5', '--out', 'run', '--device', 'cpu'], "int.h5: dataset 'FDL' holds int32 values; expected floating-point numbers"),
    (['turbo-sim-unfold', '--model', MODEL, '--events', 'str.h5', '--out', 'unf.h5'], "str.h5: dataset 'ROL' holds |S3; expected floats"),
    (['turbo-sim-simulate', '--model', MODEL, '--partons', 'negative.h5', '--out', 'sim.root'], "negative.h5: dataset 'FDL' has negative energies"),
    (['turbo-sim-evaluate', '--model', MODEL, '--data', 'below.h5', '--out', 'ev'], "below.h5: dataset 'ROL' has energies below |p| (E < |p|)"),
    (['turbo-sim-evaluate', '--model', 'other.pt', '--data', 'good.h5', '--out', 'ev'], "other.pt: field 'model' does not fit the architecture its field 'config' describes"),
    (['turbo-sim-simulate', '--model', 'corrupt.pt', '--partons', 'good.h5', '--out', 'sim.h5'], "corrupt.pt: field 'sha256' does not match the content"),
    (['turbo-sim-unfold', '--model', 'pickled.pt', '--events', 'good.h5', '--out', 'unf.h5'], 'pickled.pt: holds a pickled Python object'),
    (['turbo-sim-simulate', '--model', MODEL, '--partons', 'good.h5', '--out', 'sim.h5', '--device', 'gpu'], "'device' (--device) is 'gpu', not a device"),
    (['turbo-sim-train', '--data', 'good.h5', '--out', 'run', '--device', 'cuda:x'], "'device' (--device) is 'cuda:x', not a device"),
    (['turbo-sim-generate', '--n-events', '0', '--out', 'g.h5'], "'n_events' (--n-events) must be >= 1; got 0"),
    (['turbo-sim-train', '--data', 'good.h5', '--out', 'run', '--epochs', '-2'], "'epochs' (--epochs) must be >= 1; got -2"),
    (['turbo-sim-unfold', '--model', MODEL, '--events', 'good.h5', '--out', 'unf.h5', '--n-samples', '-1'], "'n_samples' (--n-samples) must be >= 1"),
    (['turbo-sim-evaluate', '--model', MODEL, '--data', 'good.h5', '--out', UNWRITABLE], f'{UNWRITABLE}: cannot write in /sys'),
    (['turbo-sim-generate', '--n-events', '10', '--out', UNWRITABLE/'g.h5'], f'{UNWRITABLE}: cannot write in /sys'),
    (['turbo-sim-simulate', '--model', MODEL, '--partons', 'good.h5', '--out', 'afile/sim.root'], 'afile is a file, not a folder'),
    (['turbo-sim-train', '--data', 'good.h5', '--out', UNWRITABLE/'run', '--device', 'cpu'], f'{UNWRITABLE}/run: cannot write in /sys'),
    (['turbo-sim-evaluate', '--model', MODEL, '--data', 'good.h5', '--out', 'done'], 'done/ks.csv: exists; pass --force to replace the evaluation'),
    (['turbo-sim-generate', '--n-events', '10', '--out', 'good.h5'], 'good.h5: exists; pass --force to replace it'),
    (['turbo-sim-simulate', '--model', MODEL, '--partons', 'good.h5', '--out', 'cut.h5'], 'cut.h5: exists; pass --force to replace it'),
])
def test_command_refuses(bad, args, message):
    line = refused_by(bad, *args)
    assert message in line and line.startswith(f'{args[0]}: error: '), line


def test_debug_shows_the_traceback(bad):
    r = subprocess.run(['turbo-sim-evaluate', '--model', MODEL, '--data', 'folder.h5', '--out', 'ev', '--debug', '--threads', '1'], capture_output=True, text=True, cwd=bad)
    assert r.returncode == 1 and 'Traceback' in r.stderr and 'EventFileError: ' in r.stderr and 'folder.h5: is a directory' in r.stderr


# ---- a model evaluated on other data than it was trained on: reported, not refused

def test_evaluate_on_other_data_warns(bad, tmp_path):
    "The committed model was trained on data/ttbar.h5 (its checkpoint holds the events' sha256): on other events, a warning, and all of them are used"
    trained_on = load_checkpoint(MODEL)['data_sha256'][:12]
    with pytest.warns(UserWarning, match=rf"turbo_sim_best.pt was trained on other events than .*good.h5 holds \(sha256 {trained_on}\.\.\. in the checkpoint's field 'data_sha256'"):
        evaluate_file(MODEL, bad/'good.h5', tmp_path/'api', extras=False)
    assert '(all events of' in (tmp_path/'api'/'ks.md').read_text()
    r = subprocess.run(['turbo-sim-evaluate', '--model', MODEL, '--data', bad/'good.h5', '--out', tmp_path/'cli', '--threads', '1'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    warning, = [l for l in r.stderr.splitlines() if l.startswith('turbo-sim-evaluate: warning: ')]
    assert 'was trained on other events than' in warning and 'these are not its test-split numbers' in warning
