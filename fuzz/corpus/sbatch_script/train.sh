#!/bin/bash
#SBATCH --job-name=train
#SBATCH -p gpu --gres=gpu:a100:2
#SBATCH --time=1-02:00:00
#SBATCH --array=0-9%2
#SBATCH --dependency=afterok:12:13
#SBATCH --mem=64G
python train.py
