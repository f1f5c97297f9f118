"""`harness run`: plan an experiment, print the plan, run it (resumable), build the leaderboard.

With no arguments it runs the offline default: the `mini` suite with a tiny model built
locally, on CPU, in a few minutes. `docker run harness --suite xtreme` is this command with
the real suite.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

from harness.cli._options import SplitCommas
from harness.errors import HarnessError

log = logging.getLogger(__name__)


def _default_path(variable: str, fallback: str) -> Path:
    """Defaults a container (or a user's shell) can move with HARNESS_* variables."""
    return Path(os.environ.get(variable) or fallback)


def _default_work_dir() -> Path:
    if os.environ.get("HARNESS_WORK_DIR"):
        return Path(os.environ["HARNESS_WORK_DIR"])
    if os.environ.get("HARNESS_CACHE_DIR"):
        return Path(os.environ["HARNESS_CACHE_DIR"]) / "runs"
    return Path("runs")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run", help="run an experiment on a suite (default: the offline mini suite)",
        description="Plan all trainings and evaluations of an experiment, print the plan, then run it. "
                    "Every checkpoint is keyed by its content, so a killed run started again resumes.")
    parser.add_argument("--suite", default="mini", help="suite to run (default: mini, offline)")
    parser.add_argument("--experiment", help="experiment (default: the suite's)")
    parser.add_argument("--model", help="'tiny', 'e5-small', a model folder, or a hub id (default: the suite's)")
    # Defaults from HARNESS_*_DIR: the container image points them at its volumes.
    parser.add_argument("--data-dir", type=Path, help="data folder (default: mini data built under --work-dir "
                                                      "for the mini suite; $HARNESS_DATA_DIR or required otherwise)")
    parser.add_argument("--work-dir", type=Path, default=_default_work_dir(),
                        help="checkpoints, predictions, caches (default: $HARNESS_WORK_DIR, "
                             "$HARNESS_CACHE_DIR/runs, or ./runs)")
    parser.add_argument("--results-dir", type=Path, default=_default_path("HARNESS_RESULTS_DIR", "results"),
                        help="result records (default: $HARNESS_RESULTS_DIR or ./results)")
    parser.add_argument("--site-dir", type=Path, default=_default_path("HARNESS_SITE_DIR", "site"),
                        help="where the leaderboard is built (default: $HARNESS_SITE_DIR or ./site)")
    # List options take `a b` and `a,b` (harness/cli/_options.py).
    parser.add_argument("--seeds", action=SplitCommas, item_type=int, default=[1], help="one run per seed (default: 1)")
    parser.add_argument("--variants", action=SplitCommas, help="only these variants of the experiment")
    parser.add_argument("--tasks", action=SplitCommas, help="only these target tasks of the suite")
    parser.add_argument("--languages", action=SplitCommas, help="only these languages of each target task")
    parser.add_argument("--limit", type=int, help="smoke run: at most N examples per split (not publishable)")
    parser.add_argument("--max-steps", type=int, help="smoke run: at most N optimiser steps per training "
                                                      "(not publishable)")
    parser.add_argument("--hp", action="append", default=[], metavar="KEY=VALUE",
                        help="override a hyperparameter for every task, e.g. --hp learning_rate=2e-5")
    parser.add_argument("--deepspeed", default="auto",
                        help="'auto' (zero2 on GPU, none on CPU), 'zero2', 'zero3_offload', 'none', or a config file")
    parser.add_argument("--train-split", default="train", help="English training split of target tasks")
    parser.add_argument("--eval-split", default="test", help="split for zero-shot evaluation (test or dev)")
    parser.add_argument("--layer", type=int, help="retrieval: hidden layer, 1-based (default: the model spec's)")
    parser.add_argument("--pooling", choices=["mean", "cls"], help="retrieval pooling (default: the model spec's)")
    parser.add_argument("--prefix", help="retrieval: text put before every sentence (default: the model spec's)")
    parser.add_argument("--max-length", type=int, help="retrieval: tokens per sentence (default: the model spec's, 512)")
    parser.add_argument("--plan-file", type=Path, help="also write the plan as JSON here (one step of it runs "
                                                       "with `harness step --plan FILE --key KEY`)")
    parser.add_argument("--online", action="store_true", help="allow downloads from the Hugging Face hub")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    parser.add_argument("--no-leaderboard", action="store_true", help="do not build the site at the end")
    parser.add_argument("--executor", choices=["local", "slurm"], default="local",
                        help="local: run every step here, one after another (default); slurm: submit each step "
                             "that is not done as a Slurm job with dependencies (see docs/cluster.md)")
    parser.add_argument("--executor-config", type=Path, metavar="FILE",
                        help="--executor slurm: resources per step kind (YAML; see docs/cluster.md)")
    parser.add_argument("--wait", action="store_true",
                        help="--executor slurm: wait for every job, then print the status of each step")
    parser.set_defaults(func=run)


def _parse_overrides(pairs: list[str]) -> dict:
    """`--hp KEY=VALUE` pairs, each key and value checked now (a typo fails before any work)."""
    import yaml

    from harness.train.hyperparams import Hyperparameters

    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise HarnessError(f"--hp {pair!r}: expected KEY=VALUE, e.g. --hp learning_rate=2e-5")
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            parsed = value
        Hyperparameters.from_dict({key.strip(): parsed}, source=f"--hp {pair}")
        overrides[key.strip()] = parsed
    return overrides


DEEPSPEED_CHOICES = ("auto", "zero2", "zero3_offload", "none", "off")


def _resolve_deepspeed(choice: str) -> str | None:
    """The DeepSpeed setting, typed when the plan is built (it is part of the step keys)."""
    if choice.lower() in ("none", "off"):
        return None
    if choice not in DEEPSPEED_CHOICES and not Path(choice).is_file():
        raise HarnessError(f"--deepspeed {choice!r}: not one of {', '.join(DEEPSPEED_CHOICES)} and no such "
                           "config file")
    if choice != "auto":
        return choice
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    return "zero2" if torch.cuda.is_available() else None


def _checked_dir(path: Path, option: str) -> Path:
    if not path.is_dir():
        raise HarnessError(f"{option} {path}: no such folder; `harness data download --tasks ... --data-dir {path}` "
                           "fetches the data")
    return path


def _data_dir(args: argparse.Namespace, suite) -> Path:
    if args.data_dir is not None:
        return _checked_dir(args.data_dir, "--data-dir")
    if suite.data == "mini":
        from harness.data.mini import ensure_mini_data
        from harness.pipeline.ranks import ensure_process_group, on_main

        path = args.work_dir / "mini-data"
        ensure_process_group()
        on_main(lambda: ensure_mini_data(path))  # written once, checked against its manifest every run
        return path
    if os.environ.get("HARNESS_DATA_DIR"):
        return _checked_dir(Path(os.environ["HARNESS_DATA_DIR"]), "HARNESS_DATA_DIR")
    raise HarnessError(f"suite {suite.name!r} needs --data-dir (a folder in the layout `harness data download` writes)")


def settings_from_args(args: argparse.Namespace, suite, data_dir: Path):
    """RunSettings from the command line, every option typed and checked before planning."""
    from harness.data.layouts import SPLITS
    from harness.pipeline.plan import RunSettings

    for name, value in (("--limit", args.limit), ("--max-steps", args.max_steps), ("--max-length", args.max_length)):
        if value is not None and value <= 0:
            raise HarnessError(f"{name} must be a positive number, got {value}")
    if args.layer is not None and args.layer < 0:
        raise HarnessError(f"--layer {args.layer}: must be >= 0 (0 is the embedding output)")
    for name, split in (("--train-split", args.train_split), ("--eval-split", args.eval_split)):
        if split not in SPLITS:
            raise HarnessError(f"{name} {split!r}: expected one of {', '.join(SPLITS)}")
    return RunSettings(
        suite=suite.name, experiment=args.experiment, model=args.model, data_dir=data_dir,
        work_dir=args.work_dir, results_dir=args.results_dir, site_dir=args.site_dir, seeds=tuple(args.seeds),
        variants=tuple(args.variants) if args.variants else None, tasks=tuple(args.tasks) if args.tasks else None,
        languages=tuple(args.languages) if args.languages else None,
        limit=args.limit, max_steps=args.max_steps, hp_overrides=_parse_overrides(args.hp),
        deepspeed=_resolve_deepspeed(args.deepspeed),
        train_split=args.train_split, eval_split=args.eval_split, layer=args.layer, pooling=args.pooling,
        prefix=args.prefix, max_length=args.max_length, offline=not args.online,
    )


def plan_run(registry, settings, data_dir: Path, experiment=None):
    """The plan and the problems that stop it from running (an unavailable model)."""
    from harness.data.sources import data_checksum
    from harness.models.identity import availability_problem
    from harness.pipeline.models import identity_of
    from harness.pipeline.plan import build_plan

    suite = registry.suite(settings.suite)
    model = settings.model or suite.model
    if model is None:
        raise HarnessError(f"suite {suite.name!r} names no model; pass --model")
    spec = registry.model(model)

    def checksum(task: str, language: str, split: str) -> str:
        return data_checksum(data_dir, task, language, split)

    plan = build_plan(registry, settings, checksum, identity_of(spec, suite, checksum, settings.work_dir),
                      experiment=experiment)
    problem = availability_problem(spec, settings.offline)
    return plan, [problem] if problem else []


def run(args: argparse.Namespace) -> int:
    from harness.pipeline.records import is_done
    from harness.pipeline.report import format_plan
    from harness.spec import default_registry

    started = time.monotonic()
    registry = default_registry()
    suite = registry.suite(args.suite)
    data_dir = _data_dir(args, suite)
    settings = settings_from_args(args, suite, data_dir)
    plan, problems = plan_run(registry, settings, data_dir)
    done = {step.key for step in plan.steps if is_done(plan, step)}
    if os.environ.get("RANK", "0") == "0":  # under a launcher, rank 0 prints the plan
        print(format_plan(plan, done=done, problems=problems), flush=True)  # the plan is output: stdout
    if args.plan_file is not None:
        from harness.pipeline.runspec import write_plan

        write_plan(plan, args.plan_file)
        log.info("plan written to %s", args.plan_file)
    if problems:
        raise HarnessError("; ".join(problems))
    if args.dry_run:
        return 0
    if args.executor == "slurm":
        from harness.pipeline.slurm import submit_run

        # User spec folders reach the jobs through HARNESS_TASKS_DIR (sbatch exports the environment).
        return submit_run(plan, args.executor_config, args.wait, not args.no_leaderboard)
    if args.executor_config is not None or args.wait:
        raise HarnessError("--executor-config and --wait apply to --executor slurm only")

    from harness.pipeline.execute import Executor

    executor = Executor(plan, registry, data_dir)
    executor.run()
    from harness.pipeline.ranks import is_main_process

    if not is_main_process():  # under a launcher, rank 0 reports and builds the site
        return 0
    # Reports, not output: through logging, so -q silences them (stdout keeps the plan and the table).
    log.info("%d result records written, %d kept from earlier runs, in %s (%.0f s: %s)", len(executor.finished),
             len(executor.skipped), settings.results_dir, time.monotonic() - started,
             ", ".join(f"{kind} {sec:.0f} s" for kind, sec in executor.seconds.items()))
    _print_results(settings.results_dir, plan)
    if not args.no_leaderboard:
        from harness.leaderboard import build_site

        index = build_site(settings.results_dir, settings.site_dir)
        log.info("leaderboard: %s", Path(index).resolve())
    return 0


def _print_results(results_dir: Path, plan) -> None:
    """The run's scores as a table on stdout (as lm-evaluation-harness ends); never fails the run."""
    from harness.leaderboard.terminal import run_results_table

    try:
        print(run_results_table(results_dir, plan.suite.name, plan.experiment.name, plan.model), flush=True)
    except HarnessError as err:
        log.warning("results table not printed: %s", err)
