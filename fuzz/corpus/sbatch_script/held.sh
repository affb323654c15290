#!/bin/sh
#SBATCH --hold --requeue --exclusive --time=30
#SBATCH --gpus-per-node=4 --cpus-per-task=8
exit 0
