"""Where each step of a plan stands: done, running or pending under a job, failed, or not
submitted; read from the shared work folder (checkpoints, records, job files) and, for live
jobs, from Slurm's queue. Nothing here changes any state."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from harness.pipeline.jobs import LIVE_STATES, live_jobs, read_job

ERROR_MARKERS = ("Error", "error:", "Traceback", "CANCELLED", "DUE TO TIME LIMIT", "exited")


@dataclass(frozen=True)
class StepState:
    key: str
    kind: str
    label: str
    state: str  # done | running | pending | failed | not submitted
    job_id: str | None = None
    log: str | None = None
    error: str | None = None


def last_error_line(log_path: str | None, tail_bytes: int = 65536) -> str | None:
    """The last line of a job log that looks like an error (the log's last line otherwise)."""
    if not log_path:
        return None
    path = Path(log_path)
    candidates = [path, path.with_name(path.name.replace("_log.out", "_log.err"))]
    lines: list[str] = []
    for candidate in candidates:
        try:
            with candidate.open("rb") as handle:
                handle.seek(0, 2)
                handle.seek(max(0, handle.tell() - tail_bytes))
                lines += [ln.strip() for ln in handle.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        except OSError:
            continue
    for line in reversed(lines):
        if any(marker in line for marker in ERROR_MARKERS):
            return line[:300]
    return lines[-1][:300] if lines else None


def step_states(plan, is_done) -> list[StepState]:
    work_dir = Path(plan.settings.work_dir)
    jobs = {step.key: read_job(work_dir, step.key) for step in plan.steps}
    alive = live_jobs([str(j["job_id"]) for j in jobs.values() if j and j.get("job_id")])
    states = []
    for step in plan.steps:
        job = jobs.get(step.key) or {}
        job_id = str(job["job_id"]) if job.get("job_id") else None
        if is_done(step):
            states.append(StepState(step.key, step.kind, step.label, "done", job_id, job.get("log")))
            continue
        slurm_state = alive.get(job_id or "")
        if slurm_state in LIVE_STATES:
            state = "running" if slurm_state in ("RUNNING", "COMPLETING", "CONFIGURING") else "pending"
            states.append(StepState(step.key, step.kind, step.label, state, job_id, job.get("log")))
        elif job_id:  # its job is gone and the step is not done: it failed or was cancelled
            error = job.get("error") or last_error_line(job.get("log")) or "the job ended without finishing the step"
            states.append(StepState(step.key, step.kind, step.label, "failed", job_id, job.get("log"), error))
        else:
            states.append(StepState(step.key, step.kind, step.label, "not submitted"))
    return states


def format_status(states: list[StepState]) -> str:
    width = max((len(s.label) for s in states), default=10)
    lines = [f"{'state':<14} {'job':>8}  {'step':<{width}}  detail"]
    for s in states:
        detail = ""
        if s.state == "failed":
            detail = f"{s.error}  (log: {s.log})"
        elif s.state in ("running", "pending") and s.log:
            detail = f"log: {s.log}"
        lines.append(f"{s.state:<14} {s.job_id or '-':>8}  {s.label:<{width}}  {detail}".rstrip())
    counts = Counter(s.state for s in states)
    lines.append(", ".join(f"{n} {state}" for state, n in sorted(counts.items())) + f" (of {len(states)} steps)")
    return "\n".join(lines)


def wait_for_jobs(job_ids: list[str], poll_s: float = 2.0, timeout_s: float | None = None) -> None:
    """Block until none of `job_ids` is queued or running any more."""
    started = time.monotonic()
    pending = [j for j in job_ids if j]
    while pending:
        alive = live_jobs(pending)
        pending = [j for j in pending if alive.get(j) in LIVE_STATES]
        if not pending:
            return
        if timeout_s is not None and time.monotonic() - started > timeout_s:
            raise TimeoutError(f"jobs still running after {timeout_s:.0f} s: {', '.join(pending)}")
        time.sleep(poll_s)
