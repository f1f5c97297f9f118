"""`harness leaderboard`: build the static leaderboard site from a results folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cli._options import hide_aliases


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "leaderboard", help="build the static leaderboard site (HTML, JSON, CSV) from result records",
        description="Render every result record under RESULTS_DIR into a static site: the XTREME-style "
                    "table, each variant against a baseline variant, English vs non-English intermediate "
                    "tasks, and one page per task. The site works from file:// and needs no network.")
    parser.add_argument("results", type=Path, metavar="RESULTS_DIR", help="folder of *.result.json records")
    site_dir = parser.add_argument("--site-dir", "-o", "--output", dest="output", required=True, type=Path, metavar="SITE_DIR",
                        help="folder for the site: created, or a previous build there is swapped for the new "
                             "one in one step (files the build did not write are kept); a non-empty folder "
                             "without a previous build's manifest (.harness-site.json) is refused")
    hide_aliases(site_dir, "-o", "--output")
    parser.add_argument("--baseline-variant", default=None, metavar="NAME",
                        help="variant the others are compared with (default: baseline, no intermediate task)")
    parser.add_argument("--suite", action="append", metavar="NAME",
                        help="only this suite (repeatable; default: every suite in the results)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.leaderboard import build_site

    index = build_site(args.results, args.output, baseline_variant=args.baseline_variant or "baseline",
                       suites=args.suite, require_baseline=args.baseline_variant is not None)
    print(f"leaderboard: {index.resolve().as_uri()}", file=sys.stderr)
    return 0
