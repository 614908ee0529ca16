"""Compare the regenerated shards (z from the hard-process record) with the shipped ones, shard by shard.

    python tools/compare_regen.py [--new data/regen/ttbar.shards] [--old data/ttbar.shards]

For every shard index present in both folders: x (`ROL`) must be byte-for-byte identical (same events, same
detector), the selected counts equal, and z (`FDL`) is reported by its reconstructed top masses m(b u dbar) and
m(bbar e nu), whose medians move from the full event record's to Pythia's top mass. Exit status 1 on any difference in x.
"""
import argparse, sys
from pathlib import Path
import h5py
import numpy as np
from turbo_sim.physics import as_objects, mass

def top_masses(z):
    "m(b u dbar) and m(bbar e nu) (N,) of parton-level events `z` (N, 24)"
    o = as_objects(z.astype(np.float64))   # e-, nu_bar, b, bbar, u, dbar
    return mass(o[:, 2] + o[:, 4] + o[:, 5]), mass(o[:, 3] + o[:, 0] + o[:, 1])

def main(new='data/regen/ttbar.shards', old='data/ttbar.shards'):
    new, old = Path(new), Path(old)
    ks = sorted(p.name for p in new.glob('shard_*.h5') if (old/p.name).exists())
    bad, m_new, m_old = [], [], []
    for name in ks:
        with h5py.File(new/name, 'r') as fn, h5py.File(old/name, 'r') as fo:
            x_new, x_old = fn['ROL'][()], fo['ROL'][()]
            same = x_new.shape == x_old.shape and x_new.dtype == x_old.dtype and x_new.tobytes() == x_old.tobytes()
            if not same: bad.append(name)
            m_new.append(top_masses(fn['FDL'][()])[0]); m_old.append(top_masses(fo['FDL'][()])[0])
    m_new, m_old = np.concatenate(m_new), np.concatenate(m_old)
    print(f'{len(ks)} shards compared, {len(m_new):,} events: x byte-identical in {len(ks) - len(bad)}, different in {len(bad)} {bad[:5]}')
    print(f'm(b u dbar) percentiles 5/50/95 [GeV]: full record {np.percentile(m_old, [5, 50, 95]).round(1)}, hard process {np.percentile(m_new, [5, 50, 95]).round(1)}')
    return 1 if bad or not ks else 0

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--new', default='data/regen/ttbar.shards'); p.add_argument('--old', default='data/ttbar.shards')
    sys.exit(main(**vars(p.parse_args())))
