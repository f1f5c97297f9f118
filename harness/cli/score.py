"""`harness score`: score an XTREME-format submission folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.cli._options import SplitCommas, hide_aliases


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "score", help="score an XTREME submission (<task>/test-<lang>.tsv|json) against labels",
        description="Score predictions in XTREME's submission layout, exactly as XTREME's evaluate.py does.")
    hide_aliases(parser.add_argument("--predictions-dir", "--predictions", dest="predictions", required=True,
                                     type=Path, metavar="DIR", help="folder with <task>/test-<lang>.<tsv|json>"),
                 "--predictions")
    hide_aliases(parser.add_argument("--labels-dir", "--labels", dest="labels", required=True, type=Path,
                                     metavar="DIR", help="folder with the gold files in the same layout"), "--labels")
    parser.add_argument("--tasks", nargs="+", action=SplitCommas,
                        help="only these tasks, space or comma separated (default: every task folder present)")
    parser.add_argument("--suite", default="xtreme", help="suite whose tasks and languages define the aggregate")
    parser.add_argument("--split", default="test", help="file prefix, e.g. test or dev (default: test)")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the score sheet as JSON here")
    parser.add_argument("--allow-partial", action="store_true",
                        help="score what is there; missing languages are left out and the aggregate marked partial")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.errors import HarnessError
    from harness.results.store import write_json_atomic
    from harness.scoring import format_table, score_submission
    from harness.spec import default_registry

    registry = default_registry()
    for task in args.tasks or ():
        folder = args.predictions / task
        if args.predictions.is_dir() and not folder.is_dir():
            raise HarnessError(f"{folder}: no predictions for --tasks {task} (folder not found); write "
                               f"{task}/{args.split}-<lang>.<tsv|json> or leave the task out of --tasks")
    sheet = score_submission(args.predictions, args.labels, tasks=args.tasks, allow_partial=args.allow_partial,
                             suite=registry.suite(args.suite), registry=registry, split=args.split)
    if args.output:
        write_json_atomic(args.output, sheet)
        print(f"wrote {args.output}", file=sys.stderr)
    print(format_table(sheet, registry))
    if not args.output:
        print(json.dumps({"overall": sheet["overall"], "groups": {g: e["score"] for g, e in sheet["groups"].items()}}))
    return 0
