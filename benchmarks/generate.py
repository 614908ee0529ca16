"""Benchmark of the physics chain: Pythia 8 tt̄ events through turbo-sim's detector, clustering and selection.

Prints generated and selected events per second per core, and how the time splits between Pythia itself
and turbo-sim's own work (detector + FastJet clustering + selection). This is the baseline that the
learned simulator's speed-up is measured against (see benchmarks/train.py and the reproduction notebook).

    python benchmarks/generate.py [--events 4000] [--batch 500] [--no-mpi] [--seed 1]
"""
import argparse, os, platform, time
import numpy as np
from turbo_sim.generate import make_pythia, generate_batch, ChargeTable, versions


def main(events=4000, batch=500, mpi=True, seed=1):
    pythia = make_pythia(seed, mpi)
    rng, charges_of = np.random.default_rng(seed), ChargeTable(pythia.particleData)
    generate_batch(pythia, 50, rng, charges_of)  # warm-up: caches, first FastJet call
    n_gen = n_sel = 0; t_pythia = t_det = 0.0
    t0 = time.perf_counter()
    while n_gen < events:
        z, x, n, tp, td = generate_batch(pythia, min(batch, events - n_gen), rng, charges_of)
        n_gen += n; n_sel += len(z); t_pythia += tp; t_det += td
    wall = time.perf_counter() - t0
    print(f'physics chain on one core ({platform.processor() or platform.machine()}, {os.cpu_count()} cores visible), MPI {"on" if mpi else "off"}')
    print(f'versions: {versions()}')
    print(f'events generated: {n_gen}, selected: {n_sel} (pass fraction {n_sel / n_gen:.2%})')
    print(f'wall time: {wall:.1f} s  ->  {n_gen / wall:.1f} generated/s/core, {n_sel / wall:.2f} selected/s/core')
    print(f'Pythia (hard process, shower, MPI, hadronisation): {t_pythia:.1f} s ({t_pythia / n_gen * 1e3:.2f} ms/event)')
    print(f'turbo-sim detector + clustering + selection:       {t_det:.1f} s ({t_det / n_gen * 1e3:.2f} ms/event)')
    print(f'detector overhead on top of Pythia: {t_det / t_pythia:.1%} (target: at most 30%)')
    return dict(generated=n_gen, selected=n_sel, wall=wall, pythia=t_pythia, detector=t_det)


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--events', type=int, default=4000, help='events to generate')
    p.add_argument('--batch', type=int, default=500, help='events per Pythia batch')
    p.add_argument('--no-mpi', action='store_true', help='multiparton interactions off')
    p.add_argument('--seed', type=int, default=1)
    a = p.parse_args()
    main(a.events, a.batch, not a.no_mpi, a.seed)
