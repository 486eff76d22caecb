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

import libcst as cst

from liftshift.codemods import envreads as ev
from liftshift.codemods.base import FileContext, Rule
from liftshift.codemods.cstutil import add_imports, parse_statement, preferred_quote
from liftshift.codemods.envrewrite import (
    AddArguments,
    EnvRewriter,
    RenameArgs,
    argument_holders,
    declared_flags,
    parser_names,
)
from liftshift.codemods.runtime import ensure_helpers

CODE = "LS002"


def transform(module: cst.Module, fctx: FileContext) -> cst.Module:
    quote = preferred_quote(module)
    rewriter = EnvRewriter(
        CODE,
        fctx,
        owns=lambda name: name in ev.MODEL_NAMES,
        wrappers=ev.simple_wrappers(module),
        quote=quote,
        indent=module.default_indent,
    )
    result = module.visit(rewriter)
    if rewriter.renames:
        result = result.visit(RenameArgs(rewriter.renames, argument_holders(result)))
    parsers = parser_names(result)
    if fctx.is_entry and parsers and "--job-dir" not in declared_flags(result):
        statement = parse_statement(
            f'{parsers[0]}.add_argument("--job-dir", dest="job_dir", type=_liftshift_path, '
            'default=os.environ.get("AIP_MODEL_DIR", "model"))',
            quote,
        )
        adder = AddArguments(parsers[0], [statement])
        result = result.visit(adder)
        rewriter.needs_os = rewriter.needs_os or adder.done
    if result.deep_equals(module):
        return module
    result = ensure_helpers(result)
    return add_imports(result, ["os"] if rewriter.needs_os else [])


RULE = Rule(
    code=CODE,
    name="job-dir",
    description="Model export to --job-dir / AIP_MODEL_DIR, checkpoints to AIP_CHECKPOINT_DIR.",
    docs=__doc__ or "",
    transform_file=transform,
)
