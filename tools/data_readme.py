"""Write data/README.md for the shipped data set from the provenance stored in data/ttbar.h5.

    python tools/data_readme.py [--target 250000]

It records the exact command and seeds, the counts, the generator versions and settings, the sha256 of
the event content (FDL then ROL, little-endian float32, C order: independent of the HDF5 container) and
the sha256 of every shard file (also written to data/SHA256SUMS, checkable with `sha256sum -c`).
"""
import argparse, hashlib
from pathlib import Path
import h5py
from turbo_sim.data import load_events, read_provenance, content_sha256

ROOT = Path(__file__).resolve().parents[1]


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''): h.update(block)
    return h.hexdigest()


def regeneration_section(data, z, x):
    "The README's section on the Step 5 regeneration: x byte-identical to the first shipped file (kept in data/legacy/), z from the hard process"
    legacy = ROOT/'data'/'legacy'/'ttbar.h5'
    if not legacy.exists(): return ''
    import numpy as np, sys
    sys.path.insert(0, str(ROOT/'tools'))
    from compare_regen import top_masses
    z_old, x_old = load_events(legacy)
    if x_old.tobytes() != x.tobytes(): raise SystemExit(f'{data}: x differs from the first shipped file {legacy}; the regeneration must leave x unchanged.')
    q = lambda z_: ' / '.join(f'{v:.1f}' for v in np.percentile(top_masses(z_)[0], [5, 50, 95]))
    q_bar = lambda z_: ' / '.join(f'{v:.1f}' for v in np.percentile(top_masses(z_)[1], [5, 50, 95]))
    return f"""
## The parton level, read from the hard-process record (Step 5)

This file was regenerated with the command and seed above after the generator was changed to read z from Pythia's
hard-process record (`pythia.process`), where the decay products sum to the top and the antitop exactly; the first
shipped file read z from the full event record, where b + u + d̄ is not the top (see `02_generate`). Same events, same
detector: **x is byte-for-byte identical** to the first file's ({len(x):,} events compared, and every shard of the same index
byte for byte by `tools/compare_regen.py`), and only z changed. Percentiles 5 / 50 / 95 % in GeV:

| | m(b u d̄) | m(b̄ e⁻ ν̄ₑ) |
|---|---|---|
| first file (full event record) | {q(z_old)} | {q_bar(z_old)} |
| this file (hard-process record) | {q(z)} | {q_bar(z)} |

The first file is kept in `legacy/` (content sha256 `{content_sha256(z_old, x_old)}`) as the proof of that identity
(`tests/test_shipped_data.py` compares the two x arrays byte for byte); `legacy/README.md` says more.
"""


def jets_section(target=100_000):
    "The README's section on data/wjets.h5, from its provenance, or '' when the file is not there"
    from turbo_sim.jets import load_jets, jets_summary
    path = ROOT/'data'/'wjets.h5'
    if not path.exists(): return ''
    a, info = load_jets(path), read_provenance(path)
    n, t = len(a['jets']), info['pythia_seconds'] + info['jet_seconds']
    rate = info['n_selected_in_shards'] / t
    short = '' if n >= target else (
        f"**Why {n:,} and not {target:,}.** This run made {rate:.1f} jets per second per core (its cores shared with other jobs, so an unshared core is faster), so {target:,} jets take "
        f"about {target / rate / 3600:.1f} core-hours at that rate; the session that made this file shared its two cores with the regeneration of "
        f"`ttbar.h5` and stopped the jets when the β scan had to start. The run is resumable: the command below with a larger "
        f"`--n-jets` makes only the missing shards (the same seed gives the same jets) and rewrites `wjets.h5`.\n\n")
    return f"""
# The shipped W-jet data set

`wjets.h5` is the input of the jet VAE (`11_jet_vae`): boosted hadronic W jets from Pythia 8 W + jet events (`09_jets` says
which process and why), anti-kt R = 0.8 jets matched to the W, 500 < pT < 600 GeV, |η| < 2, 75 < m < 110 GeV, each as
up to 50 kt R = 0.07 subjets with pT fractions and (Δy, Δφ) from the jet axis, zero-padded with a mask; particle level.

```
{jets_summary(path).replace(str(path), 'wjets.h5')}
```

{short}```sh
turbo-sim-jets --n-jets {n} --seed {info['seed']} --out data/wjets.h5 --shard-size {info['shard_size']}
```

(as recorded in the file: `{info.get('command', '')}`). `wjets.h5` holds the jets themselves (gzip-compressed); the
{info['n_shards']} shards it was merged from are committed in `wjets.shards/` (the command above finds them finished; it
makes them again, identical, from the seed where they are missing).
sha256 of `wjets.h5`: `{file_sha256(path)}` (also in `SHA256SUMS`).
"""


def main(target=250_000):
    data = ROOT/'data'/'ttbar.h5'
    z, x = load_events(data)
    info = read_provenance(data)
    with h5py.File(data, 'r') as f: shards = sorted({Path(s.file_name) for s in f['FDL'].virtual_sources()}) if f['FDL'].is_virtual else []
    sums = [(file_sha256(data.parent/s), str(s)) for s in shards]
    if (ROOT/'data'/'wjets.h5').exists(): sums.append((file_sha256(ROOT/'data'/'wjets.h5'), 'wjets.h5'))
    (ROOT/'data'/'SHA256SUMS').write_text(''.join(f'{h}  {s}\n' for h, s in sums))
    core_s = info['pythia_seconds'] + info['detector_seconds']
    short = '' if len(z) >= target else (
        f"\n**Shortfall.** The target is {target:,} selected events; this file holds {len(z):,} ({len(z) / target:.0%}). "
        f"Generation runs at about {info['n_generated_in_shards'] * info['pass_fraction'] / core_s:.0f} selected events per second per core, "
        f"and the session that made it ran out of time. Running the command below again resumes from the shards already here, "
        f"generates only the missing ones (the same seed gives the same events) and rewrites `ttbar.h5`.\n")
    text = f"""# The shipped tt̄ data set

`ttbar.h5` is the default input of every turbo-sim command: pp → tt̄ at √s = 13 TeV with t → b W⁺ (W⁺ → u d̄),
t̄ → b̄ W⁻ (W⁻ → e⁻ ν̄ₑ), generated with Pythia 8 (MPI on), passed through turbo-sim's CMS-like detector and the OTUS
selection (exactly one isolated electron of charge −1, no isolated muon or photon, exactly four jets with pT > 20 GeV).

- selected events: {len(z):,}
- generated events: {info['n_generated']:,} (pass fraction {len(z) / info['n_generated']:.2%})
- datasets: `FDL` = z, (N, 24): (px, py, pz, E) of e⁻, ν̄ₑ, b, b̄, u, d̄ before the shower; `ROL` = x, (N, 24): (px, py, pz, E) of the electron, the missing momentum (with pz, E = |p|) and jets 1–4 by descending pT, all massless; float32, GeV
- layout: `ttbar.h5` holds HDF5 *virtual* datasets over the {len(shards)} shard files in `ttbar.shards/` (gzip-compressed float32), so the events are stored once; keep the folder beside the file. `turbo_sim.data.load_events` refuses to load the file if a shard is missing.
- made {info['date']} by turbo-sim {info['versions']['turbo_sim']}, pythia8mc {info['versions']['pythia8mc']}, fastjet {info['versions']['fastjet']}, numpy {info['versions']['numpy']}, h5py {info['versions']['h5py']}, Python {info['versions']['python']}
- speed: {info['n_generated_in_shards'] / core_s:.1f} generated and {info['n_generated_in_shards'] * info['pass_fraction'] / core_s:.2f} selected events per second per core; Pythia {info['pythia_seconds'] / 3600:.2f} core-hours, detector + clustering + selection {info['detector_seconds'] / 3600:.2f} core-hours (+{info['detector_seconds'] / info['pythia_seconds']:.0%})
{short}
## The exact command and seeds

```sh
turbo-sim-generate --n-events {info['n_selected']} --seed {info['seed']} --out data/ttbar.h5 --n-jobs 2 --shard-size {info['shard_size']} --link
```

(as recorded in the file: `{info['command']}`; `--n_events` and `--n-events` are the same option). Shard k has its own
Pythia seed and detector seed, drawn from `numpy.random.SeedSequence([{info['seed']}, k])`; all of them are stored in the
file's `shard_seeds` attribute, with the Pythia settings (`pythia_settings`) and the detector numbers (`detector`).

## Checksums

sha256 of the event content (FDL then ROL as little-endian float32, C order), independent of the HDF5 container:

    {content_sha256(z, x)}

```python
import hashlib, numpy as np
from turbo_sim.data import load_events
z, x = load_events('data/ttbar.h5')
h = hashlib.sha256(); h.update(np.ascontiguousarray(z, '<f4').tobytes()); h.update(np.ascontiguousarray(x, '<f4').tobytes()); print(h.hexdigest())
```

sha256 of every shard file: `SHA256SUMS` (`cd data && sha256sum -c SHA256SUMS`); of `ttbar.h5` itself: `{file_sha256(data)}`.
{regeneration_section(data, z, x)}{jets_section()}"""
    (ROOT/'data'/'README.md').write_text(text)
    print(text)


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--target', type=int, default=250_000)
    main(p.parse_args().target)
