"""`harness status`: where every step of a run stands (done, running or pending with its job
id, failed with its log and last error line, not submitted), and a summary.

Reads the plan files that `harness run --executor slurm` writes under `<work>/plans/` (the
newest, or `--plan`), the checkpoints and records, and Slurm's queue for live jobs. Exit
status 1 when a step failed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from harness.errors import HarnessError


def register(subparsers: argparse._SubParsersAction) -> None:
    from harness.cli.run import _default_work_dir

    parser = subparsers.add_parser("status", help="state of each step of a (cluster) run",
                                   description="Per step: done / running / pending (job id) / failed (log, "
                                               "last error line) / not submitted, and a summary.")
    parser.add_argument("--work-dir", type=Path, default=_default_work_dir(),
                        help="the run's work folder (default: $HARNESS_WORK_DIR or ./runs)")
    parser.add_argument("--plan", type=Path, help="plan file (default: the newest under WORK/plans/)")
    parser.add_argument("--json", action="store_true", help="print the states as JSON")
    parser.set_defaults(func=run)


def newest_plan(work_dir: Path) -> Path:
    plans = sorted((work_dir / "plans").glob("*.json"), key=lambda p: p.stat().st_mtime)
    if not plans:
        raise HarnessError(f"{work_dir}/plans: no plan file; `harness run --executor slurm --work-dir {work_dir}` "
                           "writes one (or pass --plan)")
    return plans[-1]


def run(args: argparse.Namespace) -> int:
    from harness.pipeline.runspec import read_plan
    from harness.pipeline.single_step import step_done
    from harness.pipeline.step_status import format_status, step_states
    from harness.spec import default_registry

    plan_file = args.plan or newest_plan(args.work_dir)
    plan = read_plan(plan_file, default_registry())
    states = step_states(plan, lambda step: step_done(plan, step))
    if args.json:
        print(json.dumps({"plan": str(plan_file), "steps": [dataclasses.asdict(s) for s in states]}, indent=1))
    else:
        print(f"plan {plan_file}")
        print(format_status(states))
    return 1 if any(s.state == "failed" for s in states) else 0
