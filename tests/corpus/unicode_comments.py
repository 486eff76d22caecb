#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Entraînement d'un modèle — données « SageMaker » 🚀."""
import os, argparse  # deux imports sur une ligne

parser = argparse.ArgumentParser(description="Modèle de démonstration")
parser.add_argument(
    "--données",  # un drapeau non ASCII
    dest="donnees",
    default=os.environ.get(
        "SM_CHANNEL_TRAIN",  # le canal
    ),
)
parser.add_argument("--model-dir",
                    default=os.environ.get("SM_MODEL_DIR"),   # sortie
                    )
args = parser.parse_args()
chemin = os.path.join(args.model_dir, "modèle.txt")  # 保存模型
with open(chemin, "w", encoding="utf-8") as f:
    f.write("✓ " + str(args.donnees))
