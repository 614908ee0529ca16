"""Run one direction of the jet VAE's beta scan (issue 19) in the background, committing each beta as it finishes:

    python tools/scan_rows.py THREADS DIRECTION SEED OUT [--commit] [--hidden H] [--uncentred] [--pass P] [--beta-max B]

It calls `turbo_sim.jet_vae.beta_scan` on the scan grid (`scan_grid()`, 1-200 GeV) one beta longer each time: the betas
already in OUT/scan.csv are skipped, each new beta starts from its neighbour's best weights and trains until the
convergence gate, no improvement, or 40 epochs. With --commit, the beta's run folder (config.json, history.json,
best.pt, last.pt) and OUT/scan.csv are committed to git when it finishes: only git survives a new machine. An
unfinished beta resumes from its last.pt (commit it with `git add -f` before the machine goes).
With --pass P (2, 3, ...) the chain goes back over the grid from where its pass P - 1 ended (`beta_scan(scan_pass=P)`),
its runs in OUT/<direction>_seed<seed>_pass<P>/; --beta-max B keeps the scan grid's betas up to B GeV (a pass over part of it).
"""
import subprocess, sys, time, torch
from pathlib import Path
from turbo_sim.jet_vae import JetVAEConfig, beta_scan, scan_grid, load_jets, DIRECTIONS, pass_label, pass_order, chain_folder

def git_commit(paths, message, tries=20):
    "Commit `paths` only (forced past .gitignore), retrying while another git process holds the index"
    for _ in range(tries):
        ok = subprocess.run(['git', 'add', '-f', *map(str, paths)]).returncode == 0
        if ok and subprocess.run(['git', 'diff', '--cached', '--quiet', '--', *map(str, paths)]).returncode == 0:
            return True  # nothing new to commit (a run finished and committed before)
        if ok and subprocess.run(['git', 'commit', '-q', '-m', message, '--', *map(str, paths)]).returncode == 0: return True
        time.sleep(15)
    print('could not commit', paths, flush=True); return False

if __name__ == '__main__':
    args = sys.argv[1:]
    commit = '--commit' in args
    if commit: args.remove('--commit')
    uncentred = '--uncentred' in args
    if uncentred: args.remove('--uncentred')
    hidden = int(args.pop(args.index('--hidden') + 1)) if '--hidden' in args else 128
    if '--hidden' in args: args.remove('--hidden')
    scan_pass = int(args.pop(args.index('--pass') + 1)) if '--pass' in args else 1
    if '--pass' in args: args.remove('--pass')
    beta_max = float(args.pop(args.index('--beta-max') + 1)) if '--beta-max' in args else 200.
    if '--beta-max' in args: args.remove('--beta-max')
    if len(args) != 4 or args[1] not in DIRECTIONS: sys.exit(__doc__)
    torch.set_num_threads(int(args[0]))
    direction, seed, out = args[1], int(args[2]), Path(args[3])
    cfg = JetVAEConfig(hidden=hidden, uncentred=uncentred, seed=seed, device='cpu')
    jets = load_jets(cfg.data)
    label = pass_label(direction, scan_pass)
    grid = sorted([b for b in scan_grid() if b <= beta_max], reverse=pass_order(direction, scan_pass) == 'coarse-to-fine')
    for k in range(1, len(grid) + 1):
        rows = beta_scan(cfg, grid[:k], out, direction, jets=jets, progress=True, scan_pass=scan_pass)
        if rows and commit:
            beta = grid[k - 1]
            run = out/chain_folder(label, seed)/f'beta_{beta:g}'
            git_commit([out/'scan.csv', *[run/f for f in ('config.json', 'history.json', 'best.pt', 'last.pt')]],
                       f'{out}: {label} seed {seed}, beta {beta:g} GeV trained ({rows[-1]["epochs"]} epochs, converged {rows[-1]["converged"]}), its run and scan row')
