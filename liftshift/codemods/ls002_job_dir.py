"""LS002 job-dir: the model export and checkpoints go where Vertex AI says.

SageMaker gives the export folder as ``SM_MODEL_DIR`` (``/opt/ml/model``) and checkpoints as
``/opt/ml/checkpoints``. Vertex AI gives ``AIP_MODEL_DIR`` and ``AIP_CHECKPOINT_DIR`` (``gs://``
URIs), and the legacy convention, which liftshift's backends follow, passes the model folder as
``--job-dir``. So the argument that read ``SM_MODEL_DIR`` gains the ``--job-dir`` flag with
``dest="job_dir"`` (its old flag stays, so existing local invocations keep working), defaults to
``AIP_MODEL_DIR`` and maps ``gs://`` to the FUSE mount; ``args.<old dest>`` uses follow the
rename. TensorFlow script mode's ``--model_dir`` (an S3 URI for checkpoints) is not the export
folder: it keeps its meaning and defaults to ``AIP_CHECKPOINT_DIR``.
"""

from __future__ import annotations

import re

import libcst as cst

from liftshift.codemods import envreads as ev
from liftshift.codemods.base import FileContext, Rule
from liftshift.codemods.cstutil import add_imports, preferred_quote
from liftshift.codemods.envrewrite import (
    AddArguments,
    AliasJobDir,
    EnvRewriter,
    RenameArgs,
    argument_line,
)
from liftshift.codemods.passes import FilePass, fast_visit, transform_with
from liftshift.codemods.runtime import ensure_helpers
from liftshift.codemods.scriptflags import declared_arguments, model_dir_argument

CODE = "LS002"


TRIGGERS = re.compile(r"SM_MODEL_DIR|/opt/ml|--model_dir|ArgumentParser")


def make_pass(module: cst.Module, fctx: FileContext) -> FilePass | None:
    if not fctx.mentions(TRIGGERS) and not ev.names_project_wrapper(fctx):
        return None
    quote = preferred_quote(module, fctx.source)
    rewriter = EnvRewriter(
        CODE,
        fctx,
        owns=lambda name: name in ev.MODEL_NAMES,
        wrappers=ev.wrappers_for(module, fctx.migration.project_wrappers),  # type: ignore[arg-type]
        names=ev.env_names(fctx.source if fctx.source is not None else module.code),
        quote=quote,
        indent=module.default_indent,
    )

    def finish(result: cst.Module) -> cst.Module:
        if rewriter.needs_rename_pass():
            result = fast_visit(result, RenameArgs(rewriter.renames, rewriter.holders))
        own = _own_model_dir_flag(fctx, module) if missing_job_dir() else None
        if own is not None:
            aliaser = AliasJobDir(own, quote, module.default_indent)
            result = fast_visit(result, aliaser)
            if aliaser.done:
                rewriter.helpers.add("_liftshift_model_folder")
        elif missing_job_dir():
            statement = argument_line(
                f'{rewriter.parsers[0]}.add_argument("--job-dir", dest="job_dir", '
                'type=_liftshift_path, default=os.environ.get("AIP_MODEL_DIR", "model"))',
                quote,
            )
            adder = AddArguments(rewriter.parsers[0], [statement])
            result = fast_visit(result, adder)
            if adder.done:
                rewriter.needs_os = True
                rewriter.helpers.add("_liftshift_path")
        result = ensure_helpers(result, rewriter.helpers)
        return add_imports(result, ["os"] if rewriter.needs_os else [])

    def missing_job_dir() -> bool:
        return bool(fctx.is_entry and rewriter.parsers and "--job-dir" not in rewriter.flags)

    def changed() -> bool:
        return bool(rewriter.changed or rewriter.todos_added or missing_job_dir())

    return FilePass(rewriter, finish, changed)


def _own_model_dir_flag(fctx: FileContext, module: cst.Module) -> str | None:
    """The entry point's own model-folder flag that no SageMaker read told LS002 about (its
    default comes from a helper in another module, say): ``--job-dir`` joins that one."""
    source = fctx.source if fctx.source is not None else module.code
    return model_dir_argument(declared_arguments(source))


transform = transform_with(make_pass)


RULE = Rule(
    code=CODE,
    name="job-dir",
    description="Model export to --job-dir / AIP_MODEL_DIR, checkpoints to AIP_CHECKPOINT_DIR.",
    docs=__doc__ or "",
    transform_file=transform,
    make_pass=make_pass,
)
