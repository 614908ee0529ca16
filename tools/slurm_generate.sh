#!/bin/bash
# Generate the tt̄ sample on a Slurm cluster: a job array whose task i makes the shards i*K .. (i+1)*K - 1 on one
# core, then a merge job that starts once every task has succeeded. Run from the repository root, in the
# environment where turbo-sim is installed, on a file system that every node sees:
#
#     bash tools/slurm_generate.sh                           # 10 tasks x 10 shards of 20,000 generated events
#     N_TASKS=20 SHARDS_PER_TASK=5 SEED=7 bash tools/slurm_generate.sh
#
# A shard depends only on (seed, shard index, shard size, MPI), so the merged file is the one a single
# `turbo-sim-generate --n-events N_EVENTS --seed SEED` run makes. 250,000 selected events need about 94 shards of
# 20,000 (pass fraction 13.4 %); if the tasks made too few, turbo-sim-merge names the first missing shard: submit
# more tasks (e.g. with --array=10-11) and merge again. A failed task can be resubmitted as is: finished shards
# are skipped.
set -euo pipefail
SEED=${SEED:-2026}; N_EVENTS=${N_EVENTS:-250000}; SHARD_SIZE=${SHARD_SIZE:-20000}
N_TASKS=${N_TASKS:-10}; K=${SHARDS_PER_TASK:-10}; OUT=${OUT:-data/ttbar.h5}
mkdir -p logs/slurm
array_job=$(sbatch --parsable --job-name=ttbar-generate --array=0-$((N_TASKS - 1)) --cpus-per-task=1 --mem=2G \
                   --time=24:00:00 --output=logs/slurm/generate_%A_%a.out <<EOF
#!/bin/bash
i=\$SLURM_ARRAY_TASK_ID
turbo-sim-generate --seed $SEED --shard-size $SHARD_SIZE --shards \$((i * $K)):\$(((i + 1) * $K)) --out $OUT --threads 1 --quiet
EOF
)
sbatch --job-name=ttbar-merge --dependency=afterok:$array_job --cpus-per-task=1 --mem=4G --time=1:00:00 \
       --output=logs/slurm/merge_%j.out --wrap "turbo-sim-merge --out $OUT --n-events $N_EVENTS --threads 1"
echo "submitted generation array $array_job ($N_TASKS tasks x $K shards) and its merge into $OUT"
