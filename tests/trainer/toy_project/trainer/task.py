"""A tiny trainer that honours the migrated-trainer contract (test fixture)."""

import argparse
import json
import os
import pickle
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--mode", default="ok")
    parser.add_argument("--train", default="data/train")
    parser.add_argument("--job-dir", dest="job_dir", default="model")
    args = parser.parse_args()
    print("argv", json.dumps(sys.argv[1:]))
    print(
        "env",
        json.dumps(
            {
                k: v
                for k, v in os.environ.items()
                if k.startswith(("AIP_", "CLOUD_ML", "TF_CONFIG", "CLUSTER_SPEC", "SM_", "TMPDIR"))
            }
        ),
    )
    if args.mode == "missing":  # a dependency the package does not declare
        import liftshift_no_such_module  # noqa: F401
    if args.mode == "undeclared":  # a library liftshift has but the package does not declare
        import click  # noqa: F401
    if args.mode == "crash":
        raise RuntimeError("the toy trainer crashed on purpose")
    if args.mode == "no-model":
        print("trained nothing")
        return
    if args.mode == "sleep":
        print("sleeping", flush=True)
        time.sleep(60)
    with open(os.path.join(args.train, "numbers.txt")) as handle:
        numbers = [float(line) for line in handle if line.strip()]
    model = {"mean": sum(numbers) / len(numbers) * args.alpha}
    if args.mode == "probe-model":  # a model whose class only the declared probe-model has
        import probe_model

        model = probe_model.Model()
    model_dir = os.environ.get("AIP_MODEL_DIR", args.job_dir)
    if args.mode == "elsewhere":  # a migration that missed the model folder
        model_dir = "saved"
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "model.pkl"), "wb") as handle:
        pickle.dump(model, handle)
    print("trained", model)


if __name__ == "__main__":
    main()
