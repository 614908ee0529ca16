#!/bin/bash
# Train the shipped configuration, the 'turbo-sim response met-nu flag' row (`turbo_sim.reproduce.response_config` with met_coordinate='neutrino',
# unmatched_flag=True), on GPU nodes of a
# Slurm cluster, and evaluate it as `turbo-sim-reproduce` does: one torchrun per node, one process per GPU of the node,
# each taking its share of every batch (the global batch stays the row's 256); rank 0 validates, writes the run and
# evaluates the best checkpoint on the test split. Run it from the repository root (a fresh checkout will do), in the
# environment where turbo-sim is installed, on a file system that every node sees:
#
#     bash tools/slurm_train.sh                                  # submit: 1 node, 4 GPUs, the row's budget (30 epochs, patience 10)
#     NODES=2 GPUS_PER_NODE=8 bash tools/slurm_train.sh --seeds 3  # options after the script go to turbo-sim-reproduce
#     DRY_RUN=1 bash tools/slurm_train.sh                        # print the commands, run nothing
#
# Submitting makes logs/slurm/ and sends this script to sbatch with its log there (logs/slurm/train_JOBID.out); the
# job writes to runs/slurm_JOBID (OUT= to change it). `sbatch tools/slurm_train.sh` works too, with Slurm's default log
# (slurm-JOBID.out, in the submission folder). Processes per node: NPROC_PER_NODE if set, else the GPUs Slurm gave the
# node (SLURM_GPUS_ON_NODE), else 1. SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT and Slurm's other input
# variables reach sbatch as usual.
#SBATCH --job-name=turbo-sim-train
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=16
#SBATCH --time=04:00:00
set -euo pipefail
run() { if [[ -n "${DRY_RUN:-}" ]]; then printf '%q ' "$@"; echo; else "$@"; fi; }

if [[ -z "${SLURM_JOB_ID:-}" ]]; then   # on the login node: make the log folder, submit this script
    [[ -f data/ttbar.h5 ]] || { echo "$0: data/ttbar.h5 not found: run from the repository root" >&2; exit 1; }
    run mkdir -p logs/slurm
    run sbatch --nodes="${NODES:-1}" --gpus-per-node="${GPUS_PER_NODE:-4}" --output=logs/slurm/train_%j.out "$0" "$@"
    exit 0
fi

cd "${SLURM_SUBMIT_DIR:-.}"   # (sbatch runs a copy of the script from its spool folder)
nproc=${NPROC_PER_NODE:-${SLURM_GPUS_ON_NODE:-1}}
head=$(scontrol show hostnames "${SLURM_JOB_NODELIST:-}" 2>/dev/null | head -n 1) || true
head=${head:-$(hostname)}   # (the batch script runs on the first node)
reproduce=$(command -v turbo-sim-reproduce) || { echo "$0: turbo-sim-reproduce not found: activate the environment where turbo-sim is installed" >&2; exit 1; }
echo "[slurm_train] job $SLURM_JOB_ID: ${SLURM_NNODES:-1} node(s) x $nproc process(es), rendezvous at $head:29500"
run srun torchrun --nnodes="${SLURM_NNODES:-1}" --nproc_per_node="$nproc" --rdzv_backend=c10d --rdzv_endpoint="$head:29500" --rdzv_id="$SLURM_JOB_ID" \
    "$reproduce" --rows 'turbo-sim response met-nu flag' --device cuda --epochs 30 --patience 10 --out "${OUT:-runs/slurm_$SLURM_JOB_ID}" "$@"
