"""Job bookkeeping on the shared work folder: one JSON file per step key under `<work>/jobs/`
(job id, log, state written by the job itself), `events.jsonl` (one line per build, record,
skip or failure), and Slurm's view of live jobs (squeue). Used by the Slurm executor, by
`harness step` inside a job, and by `harness status`."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

LIVE_STATES = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED",
               "REQUEUE_HOLD", "REQUEUE_FED", "STAGE_OUT", "SIGNALING"}


def jobs_dir(work_dir: Path) -> Path:
    return Path(work_dir) / "jobs"


def job_file(work_dir: Path, key: str) -> Path:
    return jobs_dir(work_dir) / f"{key}.json"


def read_job(work_dir: Path, key: str) -> dict[str, Any] | None:
    try:
        return json.loads(job_file(work_dir, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def update_job(work_dir: Path, key: str, **fields: Any) -> None:
    """Merge `fields` into the step's job file, atomically (temp file + rename)."""
    path = job_file(work_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**(read_job(work_dir, key) or {}), **fields}
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def log_event(work_dir: Path, key: str, event: str, **extra: Any) -> None:
    """One line per build/skip/failure; O_APPEND keeps concurrent jobs' lines whole."""
    path = jobs_dir(work_dir) / "events.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"key": key, "event": event, "job": os.environ.get("SLURM_JOB_ID"),
                       "time": round(time.time(), 3), **extra}, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def read_events(work_dir: Path) -> list[dict[str, Any]]:
    path = jobs_dir(work_dir) / "events.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def live_jobs(job_ids: list[str]) -> dict[str, str]:
    """Slurm state of each job still known to the controller (squeue), by job id."""
    if not job_ids:
        return {}
    try:
        out = subprocess.run(["squeue", "-h", "-o", "%i %T", "-j", ",".join(job_ids)], capture_output=True,
                             text=True, timeout=60, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    states = {}
    for line in out.splitlines():
        job, _, state = line.strip().partition(" ")
        states[job.split("_")[0]] = state
    return states
