"""Two `harness run` processes started together in one work folder (issue 14: the second used
to delete the first's live `.partial` checkpoint as "interrupted", then crash). With one lock
per step both finish, every checkpoint is trained once, and the records are complete."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import child_env

from harness.results import load_records

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("baseline", "nli_en")


def _command(root: Path, site: str) -> list[str]:
    # -v: the "building ... checkpoint" lines are debug lines.
    return [sys.executable, "-m", "harness", "-v", "--progress", "plain", "run", "--work-dir", str(root / "runs"),
            "--results-dir", str(root / "results"), "--site-dir", str(root / site), "--no-leaderboard",
            "--tasks", "xnli", "--variants", *VARIANTS, "--max-steps", "4", "--limit", "64"]


def test_two_runs_started_together_share_the_work(tmp_path):
    env = child_env(OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    runs = [subprocess.Popen(_command(tmp_path, f"site{i}"), cwd=ROOT, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in (1, 2)]
    outputs = [run.communicate(timeout=900) for run in runs]
    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
    logs = "\n".join(err for _, err in outputs)
    assert "Traceback" not in logs and "removing an interrupted" not in logs

    # Every checkpoint was built by exactly one of the two processes.
    built = re.findall(r"building (\w+) checkpoint (\S+)", logs)
    folders = sorted(p.name for p in (tmp_path / "runs" / "checkpoints").iterdir() if not p.name.startswith("."))
    assert sorted(name for _, name in built) == folders
    assert not any(name.endswith(".partial") or ".untrusted" in name for name in folders)
    assert {kind for kind, _ in built} == {"model", "intermediate", "target"}

    # Both records exist, each written once, and complete.
    records = load_records(tmp_path / "results")
    assert sorted((r.variant, r.task) for r in records) == [(v, "xnli") for v in VARIANTS]
    for record in records:
        assert set(record.languages) == {"en", "de", "fr", "ru"}
        assert all(0.0 <= v <= 100.0 for m in record.languages.values() for v in m.values())
    summaries = [err.strip().splitlines()[-1] for _, err in outputs]
    written = sorted(int(re.search(r"(\d+) result records written", s).group(1)) for s in summaries)
    assert written == [0, 2] or sum(written) == 2, summaries

    # A third run finds everything done: the records carry the keys the plan expects.
    again = subprocess.run(_command(tmp_path, "site3"), cwd=ROOT, env=env, text=True, capture_output=True,
                           timeout=900)
    assert again.returncode == 0, again.stderr
    assert "0 result records written, 2 kept from earlier runs" in again.stderr
    assert "building" not in again.stderr


def _records(results: Path) -> dict:
    from harness.pipeline.records import recorded_key

    records = {(r.variant, r.task): (r.languages, recorded_key(r)) for r in load_records(results)}
    assert len(records) == len(VARIANTS) and all(key for _, key in records.values())
    return records


def test_kill_9_mid_training_then_resume_gives_the_clean_runs_records(tmp_path):
    """kill -9 while a checkpoint is being built: the lock dies with the process, the next run
    removes the stale `.partial` folder, and the records equal those of an uninterrupted run."""
    import signal
    import time

    env = child_env(OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    assert subprocess.run(_command(clean, "site"), cwd=ROOT, env=env, capture_output=True, timeout=900).returncode == 0
    victim = subprocess.Popen(_command(killed, "site"), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    checkpoints = killed / "runs" / "checkpoints"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and victim.poll() is None:
        if checkpoints.is_dir() and any(p.name.startswith("target-") and p.name.endswith(".partial")
                                        for p in checkpoints.iterdir()):
            break
        time.sleep(0.05)
    assert victim.poll() is None, "the run ended before a target checkpoint was being built"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    stale = any(p.name.endswith(".partial") for p in checkpoints.iterdir())  # unless it finished just then
    resumed = subprocess.run(_command(killed, "site"), cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    assert ("removing an interrupted" in resumed.stderr) == stale
    assert not any(p.name.endswith(".partial") for p in checkpoints.iterdir())
    assert _records(killed / "results") == _records(clean / "results")
