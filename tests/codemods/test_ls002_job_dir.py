from liftshift.codemods.ls002_job_dir import RULE
from liftshift.codemods.runtime import HELPERS
from tests.codemods.helpers import assert_codemod, helpers_free, run

PATH_HELPER = HELPERS["_liftshift_path"].lstrip()


def test_argparse_model_dir_becomes_job_dir_and_uses_follow() -> None:
    assert_codemod(
        RULE,
        """\
        import argparse
        import os

        parser = argparse.ArgumentParser()
        parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
        args = parser.parse_args()
        print(args.model_dir)
        """,
        f"""\
        import argparse
        import os


        {PATH_HELPER.replace(chr(10), chr(10) + "        ").rstrip()}


        parser = argparse.ArgumentParser()
        parser.add_argument(
            "--model-dir",
            "--job-dir",
            type=_liftshift_path,
            default=os.environ.get("AIP_MODEL_DIR", "model"),
            dest="job_dir",
        )
        args = parser.parse_args()
        print(args.job_dir)
        """,
    )


def test_fallback_default_is_kept_in_the_files_quote_style() -> None:
    out = helpers_free(
        run(
            RULE,
            "import os, argparse\np = argparse.ArgumentParser()\n"
            "p.add_argument('--md', default=os.getenv('SM_MODEL_DIR', 'out'))\n",
        )
    )
    assert "    '--md',\n    '--job-dir',\n" in out
    assert "default=os.environ.get('AIP_MODEL_DIR', 'out')," in out
    assert "dest='job_dir'" in out
    assert "type=_liftshift_path" in out


def test_direct_reads_and_opt_ml_literals() -> None:
    out = helpers_free(
        run(
            RULE,
            "import os\n"
            "model_dir = os.environ['SM_MODEL_DIR']\n"
            "ckpt = '/opt/ml/checkpoints'\n"
            "path = '/opt/ml/model/model.pth'\n",
        )
    )
    assert (
        "model_dir = _liftshift_folder(_liftshift_path(_liftshift_arg('--job-dir', "
        "'AIP_MODEL_DIR', 'model')))" in out
    )
    assert (
        "ckpt = _liftshift_path(_liftshift_arg(None, 'AIP_CHECKPOINT_DIR', 'checkpoints'))" in out
    )
    assert "os.path.join(_liftshift_folder(_liftshift_path(_liftshift_arg('--job-dir'" in out
    assert "'model.pth')" in out


def test_tf_model_dir_is_the_checkpoint_dir_not_the_export_dir() -> None:
    out = run(
        RULE,
        "import argparse, os\nparser = argparse.ArgumentParser()\n"
        'parser.add_argument("--model_dir", type=str)\n'
        'parser.add_argument("--sm-model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))\n'
        "args, _ = parser.parse_known_args()\nprint(args.model_dir, args.sm_model_dir)\n",
    )
    # the rewritten call got longer than a line, so it is spread out black-style
    assert (
        '    "--model_dir",\n    type=str,\n    default=os.environ.get("AIP_CHECKPOINT_DIR"),\n'
        in out
    )
    assert "print(args.model_dir, args.job_dir)" in out


def test_job_dir_is_declared_for_the_backends_when_the_script_has_none() -> None:
    out = run(
        RULE,
        "import argparse\nparser = argparse.ArgumentParser()\n"
        'parser.add_argument("--epochs", type=int)\nargs = parser.parse_args()\n',
    )
    assert (
        'parser.add_argument("--job-dir", dest="job_dir", type=_liftshift_path, '
        'default=os.environ.get("AIP_MODEL_DIR", "model"))' in out
    )
    assert out.index("--epochs") < out.index("--job-dir") < out.index("parse_args")
    assert "import os" in out


def test_not_the_entry_point_gets_no_new_argument() -> None:
    source = "import argparse\nparser = argparse.ArgumentParser()\nparser.add_argument('--x')\n"
    assert run(RULE, source, entry=False) == source


def test_no_op_on_code_without_sagemaker() -> None:
    source = "import os\n\nprint(os.environ.get('HOME'))\n"
    assert run(RULE, source) == source


def test_helper_wrapped_read() -> None:
    out = helpers_free(
        run(
            RULE,
            "import os\n\ndef env(name, default=None):\n"
            "    return os.environ.get(name, default)\n\n"
            "out = env('SM_MODEL_DIR')\n",
        )
    )
    assert (
        "out = _liftshift_folder(_liftshift_path(_liftshift_arg('--job-dir', 'AIP_MODEL_DIR', "
        "'model')))" in out
    )
