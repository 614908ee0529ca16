#!/bin/bash
# Train Turbo-Sim on several GPU nodes of a Slurm cluster with torchrun: one torchrun per node, one process per GPU,
# each taking its share of every batch (--batch-size is the global batch); rank 0 validates and writes the run.
# Submit from the repository root, in the environment where turbo-sim is installed, on a shared file system:
#
#     sbatch tools/slurm_train.sh                                    # 2 nodes x 4 GPUs
#     sbatch --nodes=4 tools/slurm_train.sh --epochs 200             # extra options go to turbo-sim-train
#
#SBATCH --job-name=turbo-sim-train
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=16
#SBATCH --time=04:00:00
#SBATCH --output=logs/slurm/train_%j.out
set -euo pipefail
head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
srun torchrun --nnodes="$SLURM_NNODES" --nproc_per_node=4 --rdzv_backend=c10d --rdzv_endpoint="$head:29500" --rdzv_id="$SLURM_JOB_ID" \
     "$(command -v turbo-sim-train)" --data data/ttbar.h5 --out "runs/slurm_$SLURM_JOB_ID" --preset turbo --batch-size 8192 --threads 4 "$@"
