"""The files that ship inside the package: the built-in task specs and the leaderboard's templates.

They live in the top-level folders `tasks/` and `leaderboard/` of the repository, and are
installed as the packages `harness.tasks` and `harness.leaderboard_assets` (see setup.py), so
an editable install, a wheel and the image find them the same way: through importlib.resources,
never through a path relative to this file.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from harness.errors import HarnessError

TASKS_PACKAGE = "harness.tasks"
LEADERBOARD_PACKAGE = "harness.leaderboard_assets"
LEADERBOARD_DIR_ENV = "HARNESS_LEADERBOARD_DIR"
# Running from a source tree that was never installed (`python -m harness` in a checkout):
# the mapped packages do not exist there, the folders do.
_CHECKOUT = {TASKS_PACKAGE: "tasks", LEADERBOARD_PACKAGE: "leaderboard"}


def _package_folder(package: str) -> Path:
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        folder = Path(__file__).resolve().parent.parent / _CHECKOUT[package]
        if folder.is_dir():
            return folder
        raise HarnessError(f"{package}: the package data of the harness is missing; reinstall it "
                           "(`pip install harness` or `pip install -e .` in a checkout)") from None
    if not isinstance(root, Path):
        raise HarnessError(f"{package}: installed inside an archive ({root}); install the harness unpacked "
                           "(`pip install` of the wheel does that)")
    return root


def builtin_tasks_dir() -> Path:
    """The folder of the task, suite and experiment specs shipped with the harness."""
    return _package_folder(TASKS_PACKAGE)


def leaderboard_files_dir() -> Path:
    """The folder holding the leaderboard's `templates/` and `assets/` shipped with the harness."""
    return _package_folder(LEADERBOARD_PACKAGE)


def leaderboard_dir() -> Path:
    """The templates, assets and references the site is built from: HARNESS_LEADERBOARD_DIR
    (a copy of your own) or the shipped ones."""
    override = os.environ.get(LEADERBOARD_DIR_ENV)
    return Path(override) if override else leaderboard_files_dir()
