"""From per-file facts to the project picture: which files are entry points, what breaks.

Cross-file facts live here: a launcher names its entry point (relative to its own folder and
``source_dir``), a script's ``import model`` is a sibling import only if ``model.py`` sits next to
it, and ``--model_dir`` is TensorFlow's S3 URI only in a TensorFlow project.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Collection

from liftshift.scan import tables
from liftshift.scan.analyze import FileResult
from liftshift.scan.project import (
    CodeRef,
    EntryPoint,
    Finding,
    Launcher,
    Location,
    Severity,
    Unresolved,
)
from liftshift.scan.visitor import ImportRef, ModuleFacts
from liftshift.scan.walk import Inventory

SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def resolve_entry_point(launcher: Launcher, root: str | None = None) -> str | None:
    """The entry point's project-relative path as the launcher names it (None if unknown).

    A launcher outside the project (``../../notebooks/launch.py``, found in the enclosing git
    repository) names a path that leaves the project and may come back into it; with ``root``
    (the project's absolute path) such a path is brought back relative to the project."""
    entry = launcher.entry_point
    if not isinstance(entry, str) or not entry:
        return None
    folder = posixpath.dirname(launcher.location.path)
    source_dir = launcher.source_dir
    if isinstance(source_dir, str) and source_dir and "://" not in source_dir:
        folder = posixpath.join(folder, source_dir)
    path = posixpath.normpath(posixpath.join(folder, entry))
    if root and path.startswith("../"):
        absolute = posixpath.normpath(posixpath.join(root, path))
        inside = posixpath.relpath(absolute, root)
        path = inside if not inside.startswith("../") else path
    return path


def entry_point_references(
    launchers: list[Launcher],
    results: dict[str, FileResult],
    findings: list[Finding],
    root: str | None = None,
    migrated: dict[str, str] | None = None,
) -> dict[str, list[Launcher]]:
    """Entry point path → the launchers naming it; missing files become findings, except a
    script liftshift moved into the trainer package (``migrated``: file name → new path)."""
    references: dict[str, list[Launcher]] = {}
    for launcher in launchers:
        if isinstance(launcher.source_dir, str) and "://" in launcher.source_dir:
            findings.append(
                Finding(
                    "source-dir-remote",
                    f"source_dir is an archive in S3 ({launcher.source_dir}); "
                    "download and unpack it into the project to migrate it",
                    Severity.WARNING,
                    launcher.location,
                )
            )
            continue
        path = resolve_entry_point(launcher, root)
        if path is None:
            continue
        moved = migrated.get(posixpath.basename(path)) if migrated else None
        if path not in results and moved:
            findings.append(
                Finding(
                    "entry-point-migrated",
                    f"launcher names entry point {path!r}, which liftshift moved to {moved} "
                    "(already migrated; `liftshift migrate --apply` points the launcher there)",
                    Severity.INFO,
                    launcher.location,
                )
            )
            references.setdefault(moved, []).append(launcher)
            continue
        if path not in results or path.startswith("../"):
            findings.append(
                Finding(
                    "entry-point-missing",
                    f"launcher names entry point {path!r}, which is not in the project",
                    Severity.ERROR,
                    launcher.location,
                )
            )
            continue
        references.setdefault(path, []).append(launcher)
    return references


LIFTSHIFT_PACKAGE = re.compile(
    r"Vertex AI trainer package \(created by liftshift\); run it as ``python -m ([\w.]+)``"
)


def migrated_module(init_texts: dict[str, str]) -> str | None:
    """The module file a liftshift-made trainer package runs (from its ``__init__.py``)."""
    for path in sorted(init_texts):
        found = LIFTSHIFT_PACKAGE.search(init_texts[path])
        if found:
            return found.group(1).replace(".", "/") + ".py"
    return None


def is_entry_point(facts: ModuleFacts) -> bool:
    return bool(facts.env_reads or facts.opt_ml_paths)


def build_entry_point(
    path: str,
    facts: ModuleFacts,
    launchers: list[Launcher],
    inventory: Inventory,
    findings: list[Finding],
    *,
    facts_of: Callable[[str], ModuleFacts | None],
) -> EntryPoint:
    folder = posixpath.dirname(path)
    entry = EntryPoint(
        path=path,
        referenced_by=[launcher.location for launcher in launchers],
        requirements=_requirements(folder, inventory.requirements),
        imports=sorted({ref.module.partition(".")[0] for ref in facts.imports}),
        **facts.script_facts(),
    )
    for importer, ref in sibling_imports(path, facts, inventory, facts_of):
        where = Location(importer, ref.line, 1)
        head = ref.module.partition(".")[0]
        entry.sibling_imports.append(CodeRef("sibling_import", ref.source, where))
        findings.append(
            Finding(
                "sibling-import",
                f"`{ref.source}` only works while {head!r} sits next to {path} on sys.path; "
                "packaged as a module it breaks (use a relative or package import)",
                Severity.WARNING,
                where,
            )
        )
    _entry_findings(entry, facts, launchers, findings)
    return entry


def sibling_imports(
    path: str,
    facts: ModuleFacts,
    inventory: Inventory,
    facts_of: Callable[[str], ModuleFacts | None],
) -> list[tuple[str, ImportRef]]:
    """Absolute imports that resolve only because the script's folder is on ``sys.path``:
    the script's own, and those of the sibling modules it pulls in (``model.py`` importing
    ``layers``), as ``(importing file, import)``."""
    folder = posixpath.dirname(path)
    names = inventory.modules.get(folder, set()) - {posixpath.basename(path)[:-3]}
    found: list[tuple[str, ImportRef]] = []
    seen = {path}
    queue: list[tuple[str, ModuleFacts]] = [(path, facts)]
    while queue:
        importer, importer_facts = queue.pop(0)
        for ref in importer_facts.imports:
            if ref.module.partition(".")[0] not in names:
                continue
            found.append((importer, ref))
            module_file = module_file_of(folder, ref.module, inventory.python_files)
            if module_file is None or module_file in seen:
                continue
            seen.add(module_file)
            module_facts = facts_of(module_file)
            if module_facts is not None:
                queue.append((module_file, module_facts))
    return found


def module_file_of(folder: str, module: str, files: Collection[str]) -> str | None:
    """The project file (one of ``files``) ``import module`` loads with ``folder`` on
    sys.path, if any."""
    base = posixpath.join(folder, *module.split("."))
    for candidate in (f"{base}.py", posixpath.join(base, "__init__.py")):
        if candidate in files:
            return candidate
    return None


def _entry_findings(
    entry: EntryPoint, facts: ModuleFacts, launchers: list[Launcher], findings: list[Finding]
) -> None:
    tensorflow = facts.imports_tensorflow or any(
        launcher.framework == "tensorflow" for launcher in launchers
    )
    for argument in entry.arguments:
        default = argument.default_source or ""
        if tensorflow and "--model_dir" in argument.flags and "SM_MODEL_DIR" not in default:
            findings.append(
                Finding(
                    "tf-model-dir-s3",
                    "`--model_dir` receives an S3 URI from SageMaker TensorFlow script mode "
                    "(checkpoints), not the export folder; on Vertex point it at "
                    "AIP_CHECKPOINT_DIR and keep the SavedModel export on AIP_MODEL_DIR",
                    Severity.WARNING,
                    argument.location,
                )
            )
    for ref in facts.imports:
        head = ref.module.partition(".")[0]
        if head in tables.SAGEMAKER_ONLY_LIBRARIES:
            findings.append(
                Finding(
                    "sagemaker-library",
                    f"`{ref.source}`: {tables.SAGEMAKER_ONLY_LIBRARIES[head]}",
                    Severity.WARNING,
                    Location(entry.path, ref.line, 1),
                )
            )
    for ref in entry.opt_ml_paths:
        findings.append(
            Finding(
                "opt-ml-path",
                f"hard-coded SageMaker path {ref.detail!r}; Vertex AI has no /opt/ml",
                Severity.WARNING,
                ref.location,
            )
        )
    for read in entry.env_reads:
        if read.style == "sagemaker_training":
            findings.append(
                Finding(
                    "sagemaker-training-env",
                    f"reads the SageMaker training environment through {read.name}; "
                    "it does not exist on Vertex AI",
                    Severity.WARNING,
                    read.location,
                )
            )
    for handler in entry.inference_handlers:
        findings.append(
            Finding(
                "inference-handler",
                f"inference handler {handler.kind}: Vertex prebuilt prediction containers do "
                "not call it (LS007 serves it through a custom prediction routine)",
                Severity.INFO,
                handler.location,
            )
        )
    if not entry.has_main_guard:
        findings.append(
            Finding(
                "no-main-guard",
                'no `if __name__ == "__main__":` guard; training runs on import',
                Severity.INFO,
                Location(entry.path),
            )
        )


def _requirements(folder: str, requirements: set[str]) -> str | None:
    """The nearest ``requirements.txt`` at or above the script's folder."""
    while True:
        candidate = posixpath.join(folder, "requirements.txt") if folder else "requirements.txt"
        if candidate in requirements:
            return candidate
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    key: Callable[[Finding], tuple] = lambda finding: (  # noqa: E731
        SEVERITY_ORDER[finding.severity],
        finding.location.path,
        finding.location.line,
        finding.code,
    )
    unique = list(dict.fromkeys(findings))
    return sorted(unique, key=key)


def unresolved_text(value: object) -> str:
    return value.source if isinstance(value, Unresolved) else str(value)
