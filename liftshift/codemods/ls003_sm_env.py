"""LS003 sm-env: every other SageMaker environment read and ``/opt/ml`` path.

Vertex AI sets no ``SM_*`` variable, so each read becomes what Vertex AI offers instead, computed
at run time by a small helper written into the file: channels become the trainer's arguments
(``--train``; the flag is declared on the parser when missing so the backends can pass it),
``SM_HPS``/``SM_HP_*`` come from the ``--key value`` arguments (``-k value`` for a one-letter key,
as SageMaker passes it), ``SM_OUTPUT_DATA_DIR`` goes under the job's output folder,
``SM_NUM_GPUS``/``SM_NUM_CPUS`` are counted, and ``SM_HOSTS``/``SM_CURRENT_HOST`` come from
``CLUSTER_SPEC``/``TF_CONFIG``. Variables with no equivalent become ``.get`` reads with a default
(no ``KeyError`` outside SageMaker) and a TODO. Aliases, helpers imported from other project
modules, ``"SM_X" in os.environ`` guards, names built from a channel name and the toolkits'
environment objects are converted too; SageMaker-only imports are moved, replaced or tagged as
blockers (``smimports``); a legacy ``train(...)`` module gets its ``__main__`` block. Other names
built at run time and Pipe mode get a TODO.
"""

from __future__ import annotations

import dataclasses
import functools
import re

import libcst as cst

from liftshift.codemods import envreads as ev
from liftshift.codemods.base import FileContext, MigrationContext, Rule
from liftshift.codemods.cstutil import (
    add_imports,
    preferred_quote,
)
from liftshift.codemods.envrewrite import (
    AddArguments,
    EnvRewriter,
    argument_line,
)
from liftshift.codemods.legacy import main_block
from liftshift.codemods.passes import FilePass, fast_visit, transform_with
from liftshift.codemods.runtime import ensure_helpers
from liftshift.codemods.scriptflags import channel_argument, declared_arguments
from liftshift.codemods.smenv import HELPER_CALL, rewrite_environment
from liftshift.codemods.smimports import rewrite_imports

CODE = "LS003"

UNSUPPORTED_IMPORTS = {
    "sagemaker_training": "sagemaker_training only exists in SageMaker containers; read the "
    "trainer's arguments and the AIP_* variables instead",
    "sagemaker_containers": "sagemaker_containers only exists in SageMaker containers; read the "
    "trainer's arguments and the AIP_* variables instead",
    "smdistributed": "SageMaker distributed (smdistributed) has no Vertex AI equivalent; use "
    "torch.distributed / tf.distribute with CLUSTER_SPEC",
    "sagemaker_tensorflow": "Pipe mode (PipeModeDataset) has no Vertex AI equivalent; read the "
    "files from the channel folder (FUSE) instead",
    "sagemaker": "blocker: the sagemaker SDK is not in Vertex AI's training containers and the "
    "job cannot call SageMaker; remove this use or add sagemaker to the package's "
    "install_requires",
    "sagemaker_inference": "blocker: sagemaker_inference only exists in SageMaker serving "
    "containers; the job dies at this import on Vertex AI",
    "smdebug": "blocker: SageMaker Debugger (smdebug) is not on Vertex AI; remove the hook or "
    "log to TensorBoard under AIP_TENSORBOARD_LOG_DIR",
    "horovod": "Horovod ran under the mpirun SageMaker started (distribution={'mpi': ...}); "
    "Vertex AI starts one process per replica, so each runs alone: use torch.distributed or "
    "tf.distribute (TF_CONFIG), or launch horovodrun from a custom container",
    "smexperiments": "blocker: SageMaker Experiments has no Vertex AI counterpart here; use "
    "Vertex AI Experiments (aiplatform.start_run) or remove it",
}


CHANNEL_ARGUMENT = re.compile(
    r"add_argument\(\s*[rbuRBU]?['\"](--[\w-]+)['\"]"
    r"(?:(?!add_argument|\)[ \t]*(?:#[^\n]*)?\n).)*?SM_CHANNEL_(\w+)",
    re.DOTALL,
)


def _channel_flags(ctx: MigrationContext, source: str | None) -> None:
    """Channels the script already takes as an argument (``--data-dir`` reading
    ``SM_CHANNEL_TRAINING``): reads elsewhere in the file use the same flag. Read from the text:
    it is needed before the rewrite pass, and another walk of the tree would cost a parse."""
    for flag, channel in CHANNEL_ARGUMENT.findall(source or ""):
        ctx.added_arguments.setdefault(channel.lower(), flag)


def _own_channel_flags(ctx: MigrationContext, source: str) -> None:
    """Point each channel at the entry point's own flag for it when the plan names a flag the
    script does not declare (``--training`` while the script parses ``--train``)."""
    arguments = declared_arguments(source)
    if not arguments:
        return
    declared = {flag for argument in arguments for flag in argument.flags}
    for index, channel in enumerate(ctx.channels):
        if channel.argument in declared:
            continue
        own = channel_argument(arguments, channel.name)
        if own is None:
            continue
        if channel.argument:
            ctx.replaced_arguments[channel.name.lower()] = own
        ctx.channels[index] = dataclasses.replace(channel, argument=own)
        ctx.added_arguments[channel.name.lower()] = own


TRIGGERS = re.compile(
    r"SM_|/opt/ml|sagemaker|smdistributed|horovod|ArgumentParser|input_mode|def train\(|"
    r"Environment\(|training_env\("
)


@functools.lru_cache(maxsize=64)
def _block_statements(block: str) -> tuple[cst.BaseStatement, ...]:
    """The statements of a ``__main__`` block :func:`main_block` wrote, parsed once per run
    (as the helpers and replacements are): the same block goes into every legacy trainer with
    the same channels, and parsing even these few lines costs ~1 ms."""
    return tuple(cst.parse_module(block).body)


def make_pass(module: cst.Module, fctx: FileContext) -> FilePass | None:
    if not fctx.mentions(TRIGGERS) and not ev.names_project_wrapper(fctx):
        return None
    source = fctx.source if fctx.source is not None else module.code
    _channel_flags(fctx.migration, source)
    if fctx.is_entry:
        _own_channel_flags(fctx.migration, source)
    quote = preferred_quote(module, fctx.source)
    rewriter = EnvRewriter(
        CODE,
        fctx,
        owns=lambda name: name not in ev.MODEL_NAMES,
        wrappers=ev.wrappers_for(module, fctx.migration.project_wrappers),  # type: ignore[arg-type]
        names=ev.env_names(fctx.source if fctx.source is not None else module.code),
        quote=quote,
        indent=module.default_indent,
        unsupported_imports=UNSUPPORTED_IMPORTS,
    )

    def missing_channel_flags() -> list[str]:
        if not fctx.is_entry or not rewriter.parsers:
            return []
        flags = [fctx.migration.channel_flag(channel.name) for channel in fctx.migration.channels]
        return [flag for flag in flags if flag not in rewriter.flags]

    def finish(result: cst.Module) -> cst.Module:
        statements = []
        kind = "_liftshift_path" if fctx.migration.data_access == "fuse" else "str"
        for channel in fctx.migration.channels:
            flag = fctx.migration.channel_flag(channel.name)
            if flag in rewriter.flags or not fctx.is_entry or not rewriter.parsers:
                continue
            statements.append(
                argument_line(
                    f'{rewriter.parsers[0]}.add_argument("{flag}", type={kind}, default=None)',
                    quote,
                )
            )
            fctx.migration.added_arguments.setdefault(channel.name, flag)
        if statements:
            adder = AddArguments(rewriter.parsers[0], statements)
            result = fast_visit(result, adder)
            if adder.done and kind == "_liftshift_path":
                rewriter.helpers.add("_liftshift_path")
        if fctx.is_entry:
            result = _legacy_main(result)
        result = ensure_helpers(result, rewriter.helpers)
        wanted = {"os"} if rewriter.needs_os else set()
        return add_imports(result, sorted(wanted | extra_imports))

    imports_changed: list[str] = []
    extra_imports: set[str] = set()

    def _legacy_main(result: cst.Module) -> cst.Module:
        """A legacy ``train(...)`` module gets the ``__main__`` block its container was."""
        block = main_block(result, fctx.migration)
        if block is None:
            return result
        statements = _block_statements(block)
        rewriter.helpers.update(HELPER_CALL.findall(block))
        extra_imports.update(name for name in ("json", "os") if f"{name}." in block)
        first = statements[0].with_changes(leading_lines=[cst.EmptyLine()] * 2)
        return result.with_changes(body=[*result.body, first, *statements[1:]])

    def before(result: cst.Module) -> cst.Module:
        converted, environment = rewrite_environment(result, source, fctx.migration, quote)
        rewritten, helpers = rewrite_imports(converted, source)
        if rewritten is not result:
            imports_changed.append("imports")
            rewriter.helpers.update(helpers | environment.helpers)
            extra_imports.update(environment.imports)
        return rewritten

    def changed() -> bool:
        legacy = fctx.is_entry and main_block(module, fctx.migration) is not None
        return bool(
            rewriter.changed
            or rewriter.todos_added
            or missing_channel_flags()
            or imports_changed
            or legacy
        )

    return FilePass(rewriter, finish, changed, before)


transform = transform_with(make_pass)


RULE = Rule(
    code=CODE,
    name="sm-env",
    description="Every other SM_* read and /opt/ml path becomes its Vertex AI equivalent.",
    docs=__doc__ or "",
    transform_file=transform,
    make_pass=make_pass,
)
