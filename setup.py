"""Package discovery that pyproject.toml cannot state on its own (everything else lives there),
and the package data, which pyproject would otherwise replace as a whole.

The specs (`tasks/`) and the leaderboard's templates and assets (`leaderboard/`) stay top-level
folders of the repository and are installed inside the package as `harness.tasks` and
`harness.leaderboard_assets` (read through importlib.resources, see harness/resources.py).
pyproject's `packages.find` cannot combine the discovery of `harness.*` with such a mapping,
so the package list is built here: every folder below the two data packages is listed too,
with all of its files, so that a new spec folder or asset ships without an edit here.
"""

from setuptools import find_namespace_packages, setup

DATA_PACKAGES = {"harness.tasks": "tasks", "harness.leaderboard_assets": "leaderboard"}
SKIP = ["__pycache__", "*.__pycache__"]


def data_packages() -> list[str]:
    names = []
    for package, folder in DATA_PACKAGES.items():
        names.append(package)
        names += [f"{package}.{sub}" for sub in find_namespace_packages(where=folder, exclude=SKIP)]
    return names


DATA = data_packages()

setup(
    packages=[*find_namespace_packages(include=["harness", "harness.*"], exclude=SKIP), *DATA],
    package_dir=DATA_PACKAGES,
    package_data={"harness.train": ["deepspeed/*.json"], **{package: ["*"] for package in DATA}},
)
