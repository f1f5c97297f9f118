"""The Slurm executor: every step of a plan that is not done becomes one Slurm job.

Slurm is the scheduler; this module only maps the plan's DAG onto jobs (through submitit):
each step's job depends (`afterok`) on the job of the step it starts from, so independent
steps run at the same time, and `--kill-on-invalid-dep=yes` cancels the dependents of a
failed step instead of leaving them pending forever. A job runs exactly one step from the
serialized plan, with a command line a user can run by hand::

    harness step --plan <work>/plans/<plan>.json --key <step key>

Job bookkeeping lives on the shared filesystem under `<work>/jobs/`: one JSON file per step
key (job id, log path, state written by the job itself) and `events.jsonl`, one line per
build or skip. Submitting the same plan twice, or two plans sharing a step, never trains a
checkpoint twice: submission passes hold a lock, a step with a live job is depended on
rather than resubmitted, and inside the job the step's own lock (harness.pipeline.locks)
guards the build.
"""

from __future__ import annotations

import logging
import os
import shlex
import string
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.pipeline.cluster_config import JobResources
from harness.pipeline.jobs import LIVE_STATES, jobs_dir, live_jobs, log_event, read_job, update_job
from harness.pipeline.locks import StepLock

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- the job itself

LAUNCHER_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "ROLE_RANK",
                      "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID")


def step_command(plan_file: Path, key: str, resources: JobResources, tasks_dirs: tuple[str, ...] = ()) -> list[str]:
    """The command a job runs: `harness step`, under torchrun when the step has several GPUs/nodes."""
    extra = [arg for d in tasks_dirs for arg in ("--tasks-dir", d)]
    harness = [*extra, "step", "--plan", str(plan_file), "--key", key]
    # "python" is the job's own interpreter (the image's, under Apptainer): resolved in the job.
    if not resources.distributed:
        return ["python", "-m", "harness", *harness]
    return ["python", "-m", "torch.distributed.run", "--nnodes", str(resources.nodes),
            "--nproc_per_node", str(max(resources.gpus_per_node, 1)),
            "--node_rank", "${SLURM_NODEID}", "--master_addr", "${HARNESS_MASTER_ADDR}",
            "--master_port", "${HARNESS_MASTER_PORT}", "-m", "harness", *harness]


@dataclass
class StepJob:
    """What submitit pickles into a job: run one step's command; requeue on preemption/timeout.

    submitit calls `checkpoint` when Slurm signals a time limit or preemption; the step then
    starts again from scratch in the requeued job (a finished checkpoint or record is kept,
    an interrupted `.partial` build is removed under the step's lock and rebuilt).
    """

    command: list[str]
    work_dir: str
    key: str

    def __call__(self) -> int:
        # A job is its own world: launcher variables inherited from the submitting shell (sbatch
        # exports its environment) would make single-process steps rendezvous on one port.
        env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARIABLES}
        if any("${HARNESS_MASTER_ADDR}" in part for part in self.command):
            import submitit

            job_env = submitit.JobEnvironment()
            env["HARNESS_MASTER_ADDR"] = job_env.hostnames[0]
            env["HARNESS_MASTER_PORT"] = str(29500 + int(job_env.job_id.split("_")[0]) % 20000)
            env["SLURM_NODEID"] = str(job_env.node)
        command = [string.Template(part).safe_substitute(env) for part in self.command]
        if command and command[0] == "python":
            command[0] = sys.executable
        print("+ " + shlex.join(command), flush=True)
        completed = subprocess.run(command, env=env, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"harness step {self.key} exited {completed.returncode}; its log is this job's log")
        return 0

    def checkpoint(self, *args: Any, **kwargs: Any):
        import submitit

        log_event(Path(self.work_dir), self.key, "requeued")
        return submitit.helpers.DelayedSubmission(self)


# --------------------------------------------------------------------------- submission


@dataclass(frozen=True)
class Submission:
    """What one submission pass did: job ids by step key, and the steps left alone."""

    submitted: dict[str, str]
    reused: dict[str, str]
    done: list[str]
    leaderboard_job: str | None


def _executor(folder: Path, resources: JobResources, name: str, dependency: list[str]):
    import submitit

    executor = submitit.SlurmExecutor(folder=str(folder), max_num_timeout=resources.max_requeues,
                                      python=resources.python)
    params: dict[str, Any] = {
        "job_name": name[:64], "time": resources.time_min, "nodes": resources.nodes, "ntasks_per_node": 1,
        "cpus_per_task": resources.cpus_per_task, "signal_delay_s": 120,
    }
    if resources.gpus_per_node:
        params["gpus_per_node"] = resources.gpus_per_node
    if resources.mem_gb:
        params["mem"] = f"{int(resources.mem_gb * 1024)}MB"
    for key in ("partition", "account", "qos", "constraint"):
        if getattr(resources, key):
            params[key] = getattr(resources, key)
    additional = {"kill-on-invalid-dep": "yes", **{k.replace("-", "_"): v for k, v in resources.sbatch.items()}}
    if dependency:
        params["dependency"] = "afterok:" + ":".join(dependency)
    params["additional_parameters"] = additional
    executor.update_parameters(**params)
    return executor


def submit_plan(plan, plan_file: Path, resources: dict[str, JobResources], is_done, leaderboard_command=None,
                tasks_dirs: tuple[str, ...] = ()) -> Submission:
    """Submit a job for every step of `plan` that is not done, in plan order (upstream first).

    `is_done(step)` says whether a step's checkpoint or record is finished. A step whose
    earlier job is still queued or running is not submitted again: its job id is reused as
    the dependency of its downstream steps.
    """
    try:
        import submitit  # noqa: F401
    except ImportError:
        raise HarnessError("--executor slurm needs submitit: pip install 'harness[slurm]'") from None
    work_dir = Path(plan.settings.work_dir)
    folder = work_dir / "slurm-logs" / "%j"
    submitted: dict[str, str] = {}
    reused: dict[str, str] = {}
    done: list[str] = []
    # One submission pass at a time per work folder, so two `run --executor slurm` started
    # together see each other's jobs instead of both submitting every step.
    with StepLock(jobs_dir(work_dir) / ".submit.lock", f"the submission lock of {work_dir}"):
        known = {step.key: read_job(work_dir, step.key) for step in plan.steps}
        alive = live_jobs([j["job_id"] for j in known.values() if j and j.get("job_id")])
        for step in plan.steps:
            if is_done(step):
                done.append(step.key)
                continue
            earlier = known.get(step.key)
            if earlier and alive.get(str(earlier.get("job_id"))) in LIVE_STATES:
                reused[step.key] = str(earlier["job_id"])
                continue
            upstream = [submitted.get(step.upstream) or reused.get(step.upstream)] if step.upstream else []
            dependency = [job for job in upstream if job]
            res = resources[step.kind]
            command = step_command(plan_file, step.key, res, tasks_dirs)
            job = _executor(folder, res, f"harness-{step.kind}-{step.key[:8]}", dependency).submit(
                StepJob(command=command, work_dir=str(work_dir), key=step.key))
            submitted[step.key] = str(job.job_id)
            update_job(work_dir, step.key, job_id=str(job.job_id), state="submitted", label=step.label,
                       kind=step.kind, command=shlex.join(command), log=str(job.paths.stdout).replace("%j", str(job.job_id)),
                       depends_on=dependency, submitted_at=time.time(), error=None)
            log.info("submitted job %s: %s%s", job.job_id, step.label,
                     f" (after {', '.join(dependency)})" if dependency else "")
        board = None
        if leaderboard_command is not None:
            jobs = list(submitted.values()) + list(reused.values())
            res = resources["leaderboard"]
            executor = _executor(folder, res, "harness-leaderboard", [])
            if jobs:  # after every other job, whatever its outcome: the board shows what finished
                executor.update_parameters(dependency="afterany:" + ":".join(jobs))
            job = executor.submit(StepJob(command=leaderboard_command, work_dir=str(work_dir), key="leaderboard"))
            board = str(job.job_id)
            update_job(work_dir, "leaderboard", job_id=board, state="submitted", label="leaderboard",
                       kind="leaderboard", command=shlex.join(leaderboard_command),
                       log=str(job.paths.stdout).replace("%j", board), submitted_at=time.time())
    return Submission(submitted=submitted, reused=reused, done=done, leaderboard_job=board)


# --------------------------------------------------------------------------- one call for `harness run`


def cluster_has_gpus() -> bool:
    try:
        out = subprocess.run(["sinfo", "-h", "-o", "%G"], capture_output=True, text=True, timeout=30,
                             check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "gpu" in out


def plan_file_for(plan) -> Path:
    """Where a plan is serialized for its jobs: named by the hash of its step keys."""
    import hashlib

    digest = hashlib.sha256("\n".join(s.key for s in plan.steps).encode()).hexdigest()[:16]
    return Path(plan.settings.work_dir).resolve() / "plans" / f"plan-{digest}.json"


def submit_run(plan, config_path: Path | None, wait: bool, build_leaderboard: bool = True,
               tasks_dirs: tuple[str, ...] = ()) -> int:
    """`harness run --executor slurm`: serialize the plan, submit what is not done, and
    optionally wait; returns the exit status (1 when a step failed, with --wait)."""
    import shutil

    from harness.pipeline.cluster_config import load_cluster_config
    from harness.pipeline.runspec import write_plan
    from harness.pipeline.single_step import step_done
    from harness.pipeline.step_status import format_status, step_states, wait_for_jobs

    if shutil.which("sbatch") is None:
        raise HarnessError("--executor slurm: sbatch not found; run on a Slurm login node (or use --executor local)")
    resources = load_cluster_config(config_path, gpus=cluster_has_gpus())
    plan_file = write_plan(plan, plan_file_for(plan))
    settings = plan.settings
    board = None
    if build_leaderboard:
        board = ["python", "-m", "harness", "leaderboard", str(Path(settings.results_dir).resolve()),
                 "--site-dir", str(Path(settings.site_dir).resolve())]
    submission = submit_plan(plan, plan_file, resources, lambda step: step_done(plan, step), board, tasks_dirs)
    print(f"plan {plan_file}: {len(submission.submitted)} jobs submitted, {len(submission.reused)} already "
          f"queued or running, {len(submission.done)} steps done"
          + (f"; leaderboard job {submission.leaderboard_job}" if submission.leaderboard_job else ""), flush=True)
    if not wait:
        print(f"follow it with: harness status --work-dir {settings.work_dir}", flush=True)
        return 0
    jobs = [*submission.submitted.values(), *submission.reused.values()]
    if submission.leaderboard_job:
        jobs.append(submission.leaderboard_job)
    wait_for_jobs(jobs)
    states = step_states(plan, lambda step: step_done(plan, step))
    print(format_status(states), flush=True)
    return 1 if any(s.state != "done" for s in states) else 0
