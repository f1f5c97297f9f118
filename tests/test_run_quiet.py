"""`harness -q run`: the run summary and the `leaderboard:` line are log lines, so -q silences
them; stdout (the plan and the results table) is the same with and without -q."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import child_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def _run(root: Path, *flags: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "harness", *flags, "--progress", "none", "run", "--work-dir", str(root / "runs"),
               "--results-dir", str(root / "results"), "--site-dir", str(root / "site"), "--tasks", "xnli",
               "--variants", "baseline", "--max-steps", "4", "--limit", "64"]
    env = child_env(OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    result = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True, timeout=900)
    assert result.returncode == 0, result.stderr
    return result


def test_quiet_silences_the_summary_and_leaderboard_line_not_stdout(tmp_path):
    quiet = _run(tmp_path, "-q")
    assert "result records written" not in quiet.stderr and "leaderboard:" not in quiet.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert "xnli" in quiet.stdout  # plan and results table

    again = _run(tmp_path)  # everything done: same stdout apart from the plan's done marks
    assert "0 result records written, 1 kept from earlier runs" in again.stderr
    assert f"leaderboard: {(tmp_path / 'site' / 'index.html').resolve()}" in again.stderr
    assert again.stdout.splitlines()[-3:] == quiet.stdout.splitlines()[-3:]  # the results table's last rows
    again_quiet = _run(tmp_path, "--quiet")
    assert again_quiet.stdout == again.stdout
    assert "result records written" not in again_quiet.stderr and "leaderboard:" not in again_quiet.stderr
