"""liftshift: move AWS SageMaker script-mode training projects to Google Cloud Vertex AI.

The package is one headless core (``migrator``, ``codemods``, ``trainer``) with two faces: the
``liftshift`` command (``cli``) and the Textual app (``tui``). The core never imports the UI and
imports cloud SDKs only inside the adapters that use them, so ``import liftshift`` stays cheap.
"""

__version__ = "0.1.0"
