"""liftshift: move AWS SageMaker script-mode training projects to Google Cloud Vertex AI.

The package is one headless core with two faces: the ``liftshift`` command (``cli``,
``commands``) and the Textual app (``tui``). The core is layered: ``foundation`` at the bottom,
the features (``scan``, ``codemods``, ``migrator``, ``sync``, ``trainer``) above it, ``run``
orchestrating them; import-linter checks the order (pyproject.toml). The core never imports the UI
and imports cloud SDKs only inside the adapters that use them, so ``import liftshift`` is cheap.
"""

__version__ = "0.1.0"
