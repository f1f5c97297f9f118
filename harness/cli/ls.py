"""`harness ls tasks|suites|experiments|models`: what the spec folder defines."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ls", help="list tasks, suites, experiments or models",
                                   description="List the task, suite, experiment and model specs (the built-in "
                                               "tasks/ plus --tasks-dir).")
    parser.add_argument("what", choices=["tasks", "suites", "experiments", "models"])
    parser.add_argument("--role", choices=["target", "intermediate"], help="tasks: only this role")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.spec import default_registry

    registry = default_registry()
    if args.what == "tasks":
        print(f"{'task':<16} {'role':<13} {'type':<20} {'group':<22} {'metric':<12} langs  english training data")
        for task in sorted(registry.tasks.values(), key=lambda t: (t.role != "target", t.name)):
            if args.role and task.role != args.role:
                continue
            train = task.train_source or ("-" if task.role == "target" else "")
            print(f"{task.name:<16} {task.role:<13} {task.task_type:<20} {task.group or '':<22} "
                  f"{task.metric or '':<12} {len(task.languages):>5}  {train}")
    elif args.what == "suites":
        for suite in registry.suites.values():
            langs = "all" if suite.languages is None else ",".join(suite.languages)
            print(f"{suite.name:<10} tasks={','.join(suite.tasks)} languages={langs} "
                  f"experiment={suite.experiment} model={suite.model}")
    elif args.what == "models":
        for model in sorted(registry.models.values(), key=lambda m: m.name):
            p = model.retrieval_protocol()
            aliases = f" (also {', '.join(model.aliases)})" if model.aliases else ""
            print(f"{model.name:<12} {model.source.describe():<42} retrieval layer {p.layer}, {p.pooling}, "
                  f"prefix {p.prefix!r}, max length {p.max_length}{aliases}")
    else:
        for experiment in registry.experiments.values():
            print(f"{experiment.name}: {experiment.description.strip()}")
            for v in experiment.variants:
                inter = "+".join(v.intermediate) or "(none)"
                print(f"  {v.name:<18} {v.family:<12} {v.mode:<10} {inter}")
    return 0
