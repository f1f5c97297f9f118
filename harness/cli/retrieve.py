"""`harness retrieve`: Tatoeba and BUCC 2018 scored from encoder embeddings, one record per task.

A one-step plan (one variant, one seed, the retrieval steps) run through the same path as
`harness run`: the model's protocol (layer, pooling, prefix, max length) comes from its spec
and is resolved in the plan, and the records come from the pipeline's one record builder.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from harness.cli._options import SplitCommas, hide_aliases, positive_int

TASKS = ("tatoeba", "bucc2018")


def default_cache_dir() -> Path:
    base = os.environ.get("HARNESS_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "harness")
    return Path(base) / "embeddings"


def _work_dir() -> Path:
    """Model checkpoints (hub models) and step locks: $HARNESS_WORK_DIR, else beside the cache."""
    if os.environ.get("HARNESS_WORK_DIR"):
        return Path(os.environ["HARNESS_WORK_DIR"])
    return default_cache_dir().parent / "runs"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "retrieve", help="score Tatoeba / BUCC 2018 by sentence retrieval (FAISS)",
        description="Embed sentences with an encoder's hidden layer, search (Tatoeba) or mine "
                    "(BUCC 2018) with FAISS, and write one result record per task.")
    hide_aliases(parser.add_argument("--tasks", "--task", dest="task", action=SplitCommas, choices=TASKS,
                                     required=True, help="retrieval tasks, space or comma separated"), "--task")
    parser.add_argument("--model", required=True, help="model folder or hub id")
    parser.add_argument("--model-name", help="name in the result record (default: the model's own)")
    parser.add_argument("--data-dir", required=True, help="data folder holding tatoeba/ and bucc2018/ in a layout the task specs list "
                        "(LASER's Tatoeba files are scored; XTREME's download/ layout sorts Tatoeba's English "
                        "side, so its predictions are written and not scored)")
    hide_aliases(parser.add_argument("--languages", "--langs", dest="langs", action=SplitCommas,
                                     help="languages (default: the task's, where data is present)"), "--langs")
    parser.add_argument("--layer", type=int, help="hidden layer, 1-based; 0 = embedding output "
                        "(default: per model, e.g. 8 for mBERT, 14 for XLM-R Large; recorded)")
    parser.add_argument("--pooling", choices=("mean", "cls"), help="default: the model spec's")
    parser.add_argument("--max-length", type=positive_int, help="tokens per sentence (default: the model spec's, 512)")
    parser.add_argument("--prefix", help="text put before every sentence (default: the model's own; "
                        "'query: ' for e5)")
    parser.add_argument("--batch-size", type=positive_int, default=256, help="most sentences per batch")
    parser.add_argument("--max-tokens", type=positive_int, default=4096,
                        help="most padded tokens per batch (batches are length-sorted)")
    parser.add_argument("--margin", choices=("ratio", "distance", "absolute"), default="ratio")
    parser.add_argument("--k", type=positive_int, default=4, help="BUCC: neighbourhood size of the margin")
    parser.add_argument("--strategy", default="max",
                        choices=("max", "forward", "backward", "intersection", "union"),
                        help="BUCC candidates: max = both directions, each sentence used once (LASER)")
    parser.add_argument("--knn", choices=("auto", "fused", "faiss"), default="auto",
                        help="BUCC kNN: fused single pass on CPU, faiss searches (GPU); auto picks")
    hide_aliases(parser.add_argument("--results-dir", "--output", dest="output", required=True, metavar="DIR",
                                     help="results folder for the records"), "--output")
    hide_aliases(parser.add_argument("--predictions-dir", "--predictions", dest="predictions", metavar="DIR",
                                     help="folder for XTREME-format prediction files"), "--predictions")
    parser.add_argument("--experiment", default="retrieval")
    parser.add_argument("--variant", default="baseline")
    parser.add_argument("--variant-family", default="baseline")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help=f"embedding cache (default {default_cache_dir()}; $HARNESS_CACHE_DIR)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the embedding cache")
    parser.add_argument("--device", help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--online", action="store_true", help="allow downloading the model")
    parser.add_argument("--work-dir", type=Path, help="model checkpoints and step locks "
                        "(default: $HARNESS_WORK_DIR or runs/ beside the embedding cache)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    parser.set_defaults(func=run)


def _languages(task: str, args: argparse.Namespace) -> list[str]:
    from harness.errors import HarnessError
    from harness.retrieval.runner import split_files
    from harness.spec import default_registry

    if args.langs:
        return list(args.langs)
    spec_langs = list(default_registry().task(task).languages)
    if task == "tatoeba":
        return spec_langs
    present = [lang for lang in spec_langs if split_files(args.data_dir, task, lang, "dev") is not None]
    if not present:
        raise HarnessError(f"{args.data_dir}/bucc2018: no BUCC dev data (<lang>-en.dev.<lang>/.en/.gold) "
                           f"for any of {', '.join(spec_langs)}")
    return present


def run(args: argparse.Namespace) -> int:
    import logging

    from harness.cli.run import plan_run
    from harness.errors import HarnessError
    from harness.pipeline.plan import RunSettings
    from harness.pipeline.records import is_done
    from harness.pipeline.report import format_plan
    from harness.spec import VARIANT_FAMILIES, ExperimentSpec, VariantSpec, default_registry

    log = logging.getLogger("harness.retrieve")
    registry = default_registry()
    spec = registry.model(args.model)
    languages = {task: _languages(task, args) for task in args.task}
    model_name = args.model_name or (spec.name if not spec.generic else Path(args.model).name or args.model)
    if args.variant_family not in VARIANT_FAMILIES:
        raise HarnessError(f"--variant-family {args.variant_family!r}: expected one of {', '.join(VARIANT_FAMILIES)}")
    settings = RunSettings(
        suite="xtreme", experiment=args.experiment, model=args.model, model_name=model_name,
        data_dir=Path(args.data_dir), work_dir=args.work_dir or _work_dir(), results_dir=Path(args.output),
        tasks=tuple(args.task), task_languages={task: tuple(langs) for task, langs in languages.items()},
        layer=args.layer, pooling=args.pooling, prefix=args.prefix, max_length=args.max_length,
        mining={"k": args.k, "margin": args.margin, "strategy": args.strategy, "knn_method": args.knn},
        embed_batch_size=args.batch_size, embed_max_tokens=args.max_tokens, device=args.device,
        cache_dir=args.cache_dir or default_cache_dir(), use_cache=not args.no_cache,
        predictions_dir=Path(args.predictions) if args.predictions else None, offline=not args.online)
    experiment = ExperimentSpec(name=args.experiment, variants=(VariantSpec(args.variant, args.variant_family),),
                                description="made up by `harness retrieve`")
    plan, problems = plan_run(registry, settings, Path(args.data_dir), experiment=experiment)
    done = {step.key for step in plan.steps if is_done(plan, step)}
    print(format_plan(plan, done=done, problems=problems), file=sys.stderr)  # stdout: the record paths
    if problems:
        raise HarnessError("; ".join(problems))
    if args.dry_run:
        return 0

    from harness.pipeline.execute import Executor

    executor = Executor(plan, registry, Path(args.data_dir))
    executor.run()
    for path in [*executor.finished, *executor.skipped]:
        log.info("record %s", path)
        print(path)
    return 0
