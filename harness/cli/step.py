"""`harness step`: run one step of a plan file, as a cluster job does.

`harness run --plan-file PLAN.json --dry-run` (or `--executor slurm`, which writes one under
the work folder) serializes a plan; this command runs exactly one of its steps by key, so a
job's command line is reproducible by hand. The job file under `<work>/jobs/` records the
state (running, done, failed with the error line) for `harness status`.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import time
from pathlib import Path

from harness.errors import HarnessError

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "step", help="run one step of a plan file (what a cluster job runs)",
        description="Run exactly one step of a serialized plan (see `harness run --plan-file`). The step "
                    "it starts from must be done.")
    parser.add_argument("--plan", type=Path, required=True, help="plan file (JSON) written by harness run")
    parser.add_argument("--key", required=True, help="the step's key (listed by harness status)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.pipeline.jobs import log_event, update_job
    from harness.pipeline.runspec import read_plan
    from harness.spec import default_registry

    plan = read_plan(args.plan, default_registry())
    work_dir = Path(plan.settings.work_dir)
    rank0 = os.environ.get("RANK", "0") == "0"
    if rank0:
        update_job(work_dir, args.key, state="running", host=socket.gethostname(), pid=os.getpid(),
                   started_at=time.time(), error=None)
    try:
        from harness.pipeline.execute import Executor
        from harness.pipeline.single_step import run_single_step

        executor = Executor(plan, default_registry(), plan.settings.data_dir)
        outcome = run_single_step(executor, args.key, plan_file=args.plan)
    except BaseException as err:
        if rank0:
            message = str(err) if isinstance(err, HarnessError) else f"{type(err).__name__}: {err}"
            update_job(work_dir, args.key, state="failed", ended_at=time.time(), error=message[:500])
            log_event(work_dir, args.key, "failed", error=message[:200])
        raise
    if rank0:
        for checkpoint in outcome.built:
            log_event(work_dir, args.key, "built", checkpoint=checkpoint)
        if outcome.wrote_record:
            log_event(work_dir, args.key, "recorded")
        if not outcome.built and not outcome.wrote_record:
            log_event(work_dir, args.key, "skipped")
        update_job(work_dir, args.key, state="done", ended_at=time.time(), summary=outcome.summary[:300])
        log.info("%s: %s", outcome.step.label, outcome.summary)
    return 0
