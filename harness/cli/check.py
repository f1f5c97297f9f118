"""`harness check`: the CI score-regression gate (exit 0 pass, 1 regression or missing, 2 bad input, 3 internal error)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cli._options import hide_aliases


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="compare result scores with a baseline file (CI regression gate)",
        description="Compare every task score and per-language score under --results-dir with the baseline "
                    "file and print a Markdown report (for a CI job summary). Exit status: 0 when nothing "
                    "fell by more than the tolerance and nothing is missing, 1 on a regression or a "
                    "missing score, 2 on bad input (unreadable baseline or record, a baseline without scores, "
                    "unknown task or suite, a tolerance that is not a finite 0-100), 3 on an internal error.")
    hide_aliases(parser.add_argument("--results-dir", "--results", dest="results", required=True, type=Path,
                                     metavar="DIR", help="folder of *.result.json records"), "--results")
    parser.add_argument("--baseline", required=True, type=Path, metavar="FILE", help="baseline scores (JSON)")
    parser.add_argument("--tolerance", type=_tolerance, default=1.0, metavar="POINTS",
                        help="allowed drop in points on the 0-100 scale before a score counts as regressed (default: 1.0)")
    parser.add_argument("--update-baseline", action="store_true",
                        help="write the current scores as the new baseline (atomically) and exit 0")
    parser.add_argument("--report", type=Path, metavar="FILE",
                        help="also write the Markdown report here, e.g. \"$GITHUB_STEP_SUMMARY\"")
    parser.set_defaults(func=run)


def _tolerance(text: str) -> float:
    from harness.errors import HarnessError
    from harness.regression import check_tolerance

    try:
        return check_tolerance(float(text))
    except (ValueError, HarnessError) as err:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number of points from 0 to 100") from err


def run(args: argparse.Namespace) -> int:
    from harness.regression import check
    from harness.results.atomic import write_text_atomic

    outcome = check(args.results, args.baseline, tolerance=args.tolerance, update_baseline=args.update_baseline)
    print(outcome.report)
    if args.report:
        write_text_atomic(args.report, outcome.report + "\n")
    result = outcome.result
    summary = (f"{len(result.regressions)} regressed, {len(result.missing)} missing, "
               f"{len(result.improvements)} improved, {len(result.new)} new")
    if args.update_baseline:
        against = f"{summary} against the previous one" if outcome.had_baseline else "no previous baseline"
        print(f"harness check: baseline written to {args.baseline} ({against})", file=sys.stderr)
    else:
        print(f"harness check: {'passed' if outcome.exit_code == 0 else 'FAILED'}: {summary}", file=sys.stderr)
    return outcome.exit_code
