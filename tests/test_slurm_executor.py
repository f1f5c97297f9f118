"""The Slurm executor against a real one-node Slurm cluster (scripts/slurm-cluster.sh start;
`.ci/run` starts it when it can). Skips, saying why, where no cluster answers.

One small grid of the mini suite (baseline and English-NLI variants; XNLI fine-tuning and
Tatoeba retrieval; smoke limits): 6 step jobs and a leaderboard job.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from conftest import child_env

from harness.cli import main
from harness.pipeline.jobs import read_events, read_job
from harness.results import load_records

pytestmark = [pytest.mark.slow, pytest.mark.slurm]

GRID = ["--variants", "baseline", "nli_en", "--tasks", "xnli", "tatoeba", "--max-steps", "4", "--limit", "64"]
JOBCOMP = Path(os.environ.get("HARNESS_SLURM_JOBCOMP", "/var/log/slurm/jobcomp.log"))


def _cluster_problem() -> str | None:
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        return "no Slurm client (sbatch/sinfo); `sudo scripts/slurm-cluster.sh start` sets up a one-node cluster"
    try:
        out = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"sinfo failed ({err}); is slurmctld running? `sudo scripts/slurm-cluster.sh start`"
    if not re.search(r"^(idle|mix|alloc)", out, re.M):
        return f"no Slurm node is up (sinfo: {out.strip() or 'nothing'}); `sudo scripts/slurm-cluster.sh start`"
    return None


@pytest.fixture(scope="module", autouse=True)
def cluster():
    problem = _cluster_problem()
    if problem:
        pytest.skip(problem)


def _args(root: Path, *extra: str) -> list[str]:
    return ["run", "--work-dir", str(root / "runs"), "--results-dir", str(root / "results"),
            "--site-dir", str(root / "site"), *GRID, *extra]


def _scores(results: Path) -> dict:
    return {(r.variant, r.task, r.seed): r.languages for r in load_records(results)}


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("local")
    assert main(_args(root, "--no-leaderboard")) == 0
    return root


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("slurm")
    assert main(_args(root, "--executor", "slurm", "--wait")) == 0
    return root


def test_slurm_records_equal_local_records(local_run, slurm_run):
    local, cluster = _scores(local_run / "results"), _scores(slurm_run / "results")
    assert len(local) == 4
    assert cluster == local  # score for score, every language and metric
    assert (slurm_run / "site" / "index.html").is_file()  # built by the final job


def _jobcomp() -> dict[str, dict[str, str]]:
    jobs = {}
    for line in JOBCOMP.read_text().splitlines():
        fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
        if "JobId" in fields:
            jobs[fields["JobId"]] = fields
    return jobs


def test_scheduler_starts_every_job_after_the_job_it_depends_on(slurm_run):
    if not JOBCOMP.is_file():
        pytest.skip(f"no job-completion log at {JOBCOMP} (JobCompType=jobcomp/filetxt in slurm.conf)")
    completed = _jobcomp()
    files = [json.loads(p.read_text()) for p in (slurm_run / "runs" / "jobs").glob("*.json")]
    kinds = {f["kind"] for f in files}
    assert kinds == {"model", "intermediate", "target", "retrieval", "leaderboard"}
    checked = 0
    for job in files:
        for upstream in job.get("depends_on") or []:
            start = datetime.fromisoformat(completed[job["job_id"]]["StartTime"])
            end = datetime.fromisoformat(completed[upstream]["EndTime"])
            assert completed[upstream]["JobState"] == "COMPLETED"
            assert start >= end, f"job {job['job_id']} ({job['label']}) started before {upstream} ended"
            checked += 1
    # every target/retrieval job waited for its encoder's job; the intermediate for the model's
    assert checked == 5
    intermediate = next(f for f in files if f["kind"] == "intermediate")
    for job in files:
        if job["kind"] in ("target", "retrieval") and job["label"].startswith("nli_en"):
            assert job["depends_on"] == [intermediate["job_id"]]


def _wait_until(predicate, timeout: float, what: str, poll: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def _squeue(job_ids: list[str]) -> dict[str, str]:
    out = subprocess.run(["squeue", "-h", "-o", "%i %T", "-j", ",".join(job_ids)], capture_output=True,
                         text=True).stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


def test_scancel_then_rerun_submits_only_unfinished_steps(tmp_path, capsys):
    root = tmp_path
    assert main(_args(root, "--executor", "slurm", "--no-leaderboard")) == 0  # submits and returns
    jobs_dir = root / "runs" / "jobs"
    keys = {json.loads(p.read_text())["job_id"]: p.stem for p in jobs_dir.glob("*.json")}
    intermediate_key = next(k for k in keys.values() if read_job(root / "runs", k)["kind"] == "intermediate")
    victim = read_job(root / "runs", intermediate_key)["job_id"]
    _wait_until(lambda: _squeue([victim]).get(victim) == "RUNNING", 300, "the intermediate job to run")
    subprocess.run(["scancel", victim], check=True)
    # its dependents are cancelled by the scheduler (kill-on-invalid-dep), none stays pending
    _wait_until(lambda: not any(s in ("PENDING", "RUNNING", "COMPLETING") for s in _squeue(list(keys)).values()),
                300, "the queue to drain")
    capsys.readouterr()
    assert main(["status", "--work-dir", str(root / "runs")]) == 1  # a failed step is a finding
    status = capsys.readouterr().out
    assert re.search(rf"failed\s+{victim}\s+intermediate", status), status
    before = {k for k in keys.values()
              if json.loads((jobs_dir / f"{k}.json").read_text()).get("state") == "done"}
    assert before, "the model step (at least) finished before the cancel"
    assert main(_args(root, "--executor", "slurm", "--wait", "--no-leaderboard")) == 0
    resubmitted = {p.stem for p in jobs_dir.glob("*.json")
                   if json.loads(p.read_text())["job_id"] not in keys}
    assert resubmitted == set(keys.values()) - before
    assert len(load_records(root / "results")) == 4
    builds = [e["checkpoint"] for e in read_events(root / "runs") if e["event"] == "built"]
    assert sorted(builds) == sorted(set(builds))  # no checkpoint was trained twice


def test_two_submissions_at_once_train_each_checkpoint_once(tmp_path):
    root = tmp_path
    command = [sys.executable, "-m", "harness", *_args(root, "--executor", "slurm", "--wait")]
    env = child_env()
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    outputs = [p.communicate(timeout=900)[0] for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, "\n".join(outputs)
    builds = [e["checkpoint"] for e in read_events(root / "runs") if e["event"] == "built"]
    kinds = sorted(b.split("-")[0] for b in builds)
    assert kinds == ["intermediate", "model", "target", "target"]  # each checkpoint once, not twice
    assert sorted(builds) == sorted(set(builds))
    assert len(load_records(root / "results")) == 4
    # one pass submitted the steps, the other found them queued and depended on them
    assert any("6 jobs submitted" in out for out in outputs)
    assert any("0 jobs submitted, 6 already queued or running" in out for out in outputs)
