"""Print the harness's requirements from pyproject.toml, one per line, for `pip install -r`.

Why: the image installs the dependencies in a layer of their own, before the source
tree is copied, so that editing the code does not re-download gigabytes; and it leaves
out the FAISS distributions named by the project (faiss-cpu), because the image picks
its own FAISS build (faiss-gpu-cu12 on CUDA, faiss-cpu on a CPU base) and two FAISS
wheels in one environment overwrite each other's `faiss` package.

Usage: python pyproject_requirements.py PYPROJECT [--extra NAME ...] [--exclude NAME ...]
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical_name(requirement: str) -> str:
    """The PEP 503 normalised project name a requirement string starts with."""
    match = _NAME.match(requirement)
    if not match:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def requirements(pyproject: Path, extras: list[str], exclude: set[str]) -> list[str]:
    """Base dependencies plus the named extras, minus the excluded project names."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    wanted = list(project.get("dependencies", []))
    for extra in extras:
        if extra not in optional:
            known = ", ".join(sorted(optional)) or "none"
            raise SystemExit(
                f"{pyproject}: no extra {extra!r} in [project.optional-dependencies] (known: {known})"
            )
        wanted.extend(optional[extra])
    skip = {canonical_name(name) for name in exclude}
    return [req for req in wanted if canonical_name(req) not in skip]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pyproject", type=Path)
    parser.add_argument("--extra", action="append", default=[], help="optional-dependency group")
    parser.add_argument("--exclude", action="append", default=[], help="project name to leave out")
    args = parser.parse_args(argv)
    for line in requirements(args.pyproject, args.extra, set(args.exclude)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
