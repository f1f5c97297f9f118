"""Where a result came from: package versions and the git revision of the harness."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

TRACKED_PACKAGES = (
    "harness", "torch", "transformers", "tokenizers", "datasets", "accelerate", "deepspeed",
    "faiss-cpu", "faiss-gpu-cu12", "numpy", "seqeval",
)


def package_versions() -> dict[str, str]:
    versions = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_revision(repo: Path | None = None) -> str | None:
    """The commit of the harness checkout, with `-dirty` when it has uncommitted changes."""
    repo = repo or Path(__file__).resolve().parents[2]
    if not (repo / ".git").exists():
        # An installed wheel (site-packages): no checkout of ours, and `git -C` would report
        # whatever repository happens to enclose the environment.
        return None
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}-dirty" if dirty else head
