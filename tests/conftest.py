"""Shared test set-up: offline hubs, and the paths of the real data beside the checkout."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("DS_ACCELERATOR", "cpu")
os.environ["OMP_NUM_THREADS"] = os.environ.get("OMP_NUM_THREADS") or "1"

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
XTREME_DATA = SHARED / "xtreme-data"
XTREME_MOCK = SHARED / "xtreme-mock"

# In-process DeepSpeed tests set the launcher variables for a world of one
# (harness.train.distributed); a child process that inherited them would try to rendezvous on
# the same port as its sibling. The list is the one Slurm jobs drop too.
from harness.pipeline.slurm import LAUNCHER_VARIABLES  # noqa: E402 (after the environment defaults above)


@pytest.fixture(autouse=True)
def no_launcher_variables_from_earlier_tests():
    """Each test starts without them; a test that trains with DeepSpeed in process sets them again.
    (A world of one whose port the process group still holds would make any `harness` child fail
    with EADDRINUSE.)"""
    for name in LAUNCHER_VARIABLES:
        os.environ.pop(name, None)


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a `harness` child process: this one's, without launcher variables."""
    env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARIABLES}
    return {**env, **extra}


@pytest.fixture(scope="session")
def xtreme_data() -> Path:
    if not XTREME_DATA.is_dir():
        pytest.skip(f"real XTREME data not found at {XTREME_DATA} (it lies in ../shared beside the checkout)")
    return XTREME_DATA


@pytest.fixture(scope="session")
def xtreme_mock() -> Path:
    if not XTREME_MOCK.is_dir():
        pytest.skip(f"mock XTREME submission not found at {XTREME_MOCK}")
    return XTREME_MOCK
