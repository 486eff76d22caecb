"""Import name → the PyPI distribution that provides it.

Read where liftshift must name a package from an import: ``install_requires`` for a trainer that
ships no requirements file (the planner) and the one line that says what to add when a job dies
on ``ModuleNotFoundError`` (the trainer). A module whose distribution has its own name needs no
entry.
"""

from __future__ import annotations

IMPORT_TO_DISTRIBUTION = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "Pillow",
    "yaml": "PyYAML",
    "skimage": "scikit-image",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "Bio": "biopython",
    "attr": "attrs",
    "tf_keras": "tf-keras",
    "google": "",
}
"""``google`` is a namespace shared by many distributions: which one cannot be told from it."""


def distribution_of(module: str) -> str:
    """The distribution for ``module`` (its top-level package); '' when it cannot be told."""
    top = module.partition(".")[0]
    return IMPORT_TO_DISTRIBUTION.get(top, top)
