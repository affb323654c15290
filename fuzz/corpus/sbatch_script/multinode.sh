#!/bin/sh
#SBATCH --begin=now+1hour --qos=high -A astro
#SBATCH --nodes=2 --ntasks-per-node=8 --gpus=16
##SBATCH --ignored
#SBATCH -J "quoted name" # comment
srun hostname
