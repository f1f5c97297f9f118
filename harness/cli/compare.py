"""`harness compare`: two variants, or two families of variants, as a table of differences with
95% paired bootstrap intervals (per task, category and overall; `--languages` adds every
language), in the terminal or as JSON. The numbers are those of the leaderboard's pages."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.cli._options import SplitCommas, hide_aliases
from harness.errors import HarnessError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare", help="differences between two variants or two families, with bootstrap intervals",
        description="Compare two variants (--variants A B: A minus B) or two families (--families non_english "
                    "english: mean of the first family's variants minus the second's) on the result records of a "
                    "folder. Intervals: 95%% paired bootstrap over test items, from the per-example evidence "
                    "beside each record; seeds are averaged inside each replicate.")
    parser.add_argument("results", type=Path, help="results folder (records and their .evidence.npz sidecars)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--variants", action=SplitCommas, exactly=2, metavar=("A", "B"), help="A minus B (also A,B)")
    which.add_argument("--families", action=SplitCommas, exactly=2, metavar=("F1", "F2"),
                       help="family F1 minus family F2 (also F1,F2)")
    parser.add_argument("--suite", help="suite (needed when the folder holds several)")
    parser.add_argument("--experiment", help="experiment (needed when several hold the variants)")
    parser.add_argument("--model", help="model (needed when several ran the variants)")
    # --per-language: `--languages` names a list of languages in every other command.
    hide_aliases(parser.add_argument("--per-language", "--languages", dest="languages", action="store_true",
                                     help="also one row per task and language"), "--languages")
    parser.add_argument("--replicates", type=int, default=1000, help="bootstrap replicates (default 1000)")
    parser.add_argument("--seed", type=int, default=None, help="bootstrap seed (default: the leaderboard's)")
    parser.add_argument("--json", action="store_true", help="machine output on stdout instead of the table")
    parser.set_defaults(func=run)


def _pick(options: set, wanted: str | None, what: str, flag: str) -> str:
    if wanted is not None:
        if wanted not in options:
            raise HarnessError(f"{flag} {wanted}: no full-run results; present: {', '.join(sorted(options)) or 'none'}")
        return wanted
    if len(options) != 1:
        raise HarnessError(f"several {what}s hold these variants ({', '.join(sorted(options))}); choose one with {flag}")
    return next(iter(options))


def run(args: argparse.Namespace) -> int:
    from harness.leaderboard.board import build_boards
    from harness.leaderboard.question import contrast_verdicts, evidence_lookup
    from harness.leaderboard.terminal import verdict_table
    from harness.leaderboard.uncertainty import BoardBootstrap
    from harness.results import load_records
    from harness.results.evidence import load_evidence
    from harness.spec import default_registry
    from harness.stats.bootstrap import DEFAULT_SEED

    if args.replicates < 100:
        raise HarnessError(f"--replicates {args.replicates}: use at least 100 for a 95% interval")
    registry = default_registry()
    records = load_records(args.results, registry)
    if not records:
        raise HarnessError(f"{args.results}: no result records (*.result.json)")
    suite = _pick({r.suite for r in records}, args.suite, "suite", "--suite")
    [board] = build_boards(records, registry, [suite])
    rows = [row for row in board.systems if row.trusted
            and (args.experiment is None or row.experiment == args.experiment)
            and (args.model is None or row.model == args.model)]
    if args.variants:
        first_name, second_name = args.variants
        groups = [[r for r in rows if r.variant == first_name], [r for r in rows if r.variant == second_name]]
    else:
        first_name, second_name = args.families
        groups = [[r for r in rows if r.family == first_name], [r for r in rows if r.family == second_name]]
    for name, members in zip((first_name, second_name), groups, strict=True):
        if not members:
            kind = "variant" if args.variants else "family"
            present = sorted({r.variant if args.variants else r.family for r in rows})
            raise HarnessError(f"{kind} {name!r}: no full-run results in {args.results} (smoke and partial runs are "
                               f"never compared); present: {', '.join(present) or 'none'}")
    experiment = _pick({r.experiment for g in groups for r in g}, args.experiment, "experiment", "--experiment")
    model = _pick({r.model for g in groups for r in g}, args.model, "model", "--model")
    first, second = ([r for r in g if r.experiment == experiment and r.model == model] for g in groups)
    evidence_of = evidence_lookup(records, load_evidence(args.results, records))
    bootstrap = BoardBootstrap(board, evidence_of, replicates=args.replicates,
                               seed=DEFAULT_SEED if args.seed is None else args.seed)
    label = f"{first_name} vs {second_name}"
    verdicts = contrast_verdicts(board, bootstrap, first, second, label)
    language_verdicts = []
    if args.languages:
        from harness.leaderboard.question import Verdict
        from harness.leaderboard.titles import task_title
        from harness.leaderboard.uncertainty import observed

        for task in board.tasks:
            for lang in board.languages(task):
                key = (task.name, lang)
                values = ([observed(r, board, "languages", key) for r in first],
                          [observed(r, board, "languages", key) for r in second])
                if None in values[0] or None in values[1]:
                    continue
                value = sum(values[0]) / len(values[0]) - sum(values[1]) / len(values[1])
                title = f"{task_title(task.name)} {lang}"
                language_verdicts.append(Verdict("languages", f"{task.name}/{lang}", title, value,
                                                 bootstrap.contrast(first, second, "languages", key),
                                                 label=f"{label}, {title}"))
    if args.json:
        document = {"suite": suite, "experiment": experiment, "model": model, "contrast": label,
                    "first": [r.variant for r in first], "second": [r.variant for r in second],
                    "replicates": args.replicates, "bootstrap_seed": bootstrap.seed,
                    "method": "95% percentile interval of a paired bootstrap over test items; seeds averaged inside "
                              "each replicate; p = twice the share of replicates on the other side of zero",
                    "rows": [_verdict_json(v) for v in verdicts + language_verdicts]}
        json.dump(document, sys.stdout, indent=2, sort_keys=True, allow_nan=False)
        sys.stdout.write("\n")
        return 0
    title = (f"{label} · suite {suite}, experiment {experiment}, model {model} "
             f"({args.replicates} paired bootstrap replicates; seeds averaged inside each)")
    print(verdict_table(verdicts + language_verdicts, title))
    if all(v.estimate is None for v in verdicts):
        print("no per-example evidence (.evidence.npz) beside these records: differences without intervals",
              file=sys.stderr)
    return 0


def _verdict_json(v) -> dict:
    out = {"level": v.level, "key": v.key, "title": v.title, "value": v.value, "status": v.status}
    if v.estimate is not None:
        out.update(v.estimate.to_dict())
        out["value"] = v.value
    return out
