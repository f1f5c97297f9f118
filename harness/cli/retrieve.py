"""`harness retrieve`: Tatoeba and BUCC 2018 scored from encoder embeddings, one record per task."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from harness.cli._options import positive_int

TASKS = ("tatoeba", "bucc2018")


def default_cache_dir() -> Path:
    base = os.environ.get("HARNESS_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "harness")
    return Path(base) / "embeddings"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "retrieve", help="score Tatoeba / BUCC 2018 by sentence retrieval (FAISS)",
        description="Embed sentences with an encoder's hidden layer, search (Tatoeba) or mine "
                    "(BUCC 2018) with FAISS, and write one result record per task.")
    parser.add_argument("--task", nargs="+", choices=TASKS, required=True)
    parser.add_argument("--model", required=True, help="model folder or hub id")
    parser.add_argument("--model-name", help="name in the result record (default: the model's own)")
    parser.add_argument("--data-dir", required=True, help="data folder holding tatoeba/ and bucc2018/ in a layout the task specs list "
                        "(LASER's Tatoeba files are scored; XTREME's download/ layout sorts Tatoeba's English "
                        "side, so its predictions are written and not scored)")
    parser.add_argument("--langs", nargs="+", help="languages (default: the task's, where data is present)")
    parser.add_argument("--layer", type=int, help="hidden layer, 1-based; 0 = embedding output "
                        "(default: per model, e.g. 8 for mBERT, 14 for XLM-R Large; recorded)")
    parser.add_argument("--pooling", choices=("mean", "cls"), default="mean")
    parser.add_argument("--max-length", type=positive_int, default=512, help="tokens per sentence (default 512)")
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
    parser.add_argument("--output", required=True, help="results folder for the records")
    parser.add_argument("--predictions", help="folder for XTREME-format prediction files")
    parser.add_argument("--experiment", default="retrieval")
    parser.add_argument("--variant", default="baseline")
    parser.add_argument("--variant-family", default="baseline")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help=f"embedding cache (default {default_cache_dir()}; $HARNESS_CACHE_DIR)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the embedding cache")
    parser.add_argument("--device", help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--online", action="store_true", help="allow downloading the model")
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
    import time

    from harness.results import ResultRecord, write_record
    from harness.retrieval.embeddings import Embedder, model_family
    from harness.retrieval.runner import run_bucc, run_tatoeba

    log = logging.getLogger("harness.retrieve")
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    embedder = Embedder(args.model, layer=args.layer, pooling=args.pooling, max_length=args.max_length,
                        prefix=args.prefix, batch_size=args.batch_size, max_tokens=args.max_tokens,
                        cache_dir=cache_dir,
                        device=args.device, offline=not args.online)
    model_name = args.model_name or model_family(args.model, embedder.model.config)
    for task in args.task:
        langs = _languages(task, args)
        started = time.monotonic()
        if task == "tatoeba":
            result = run_tatoeba(embedder, args.data_dir, langs, args.predictions)
        else:
            result = run_bucc(embedder, args.data_dir, langs, args.predictions, k=args.k,
                              margin=args.margin, strategy=args.strategy, knn_method=args.knn)
        if not result.languages:
            log.warning("%s: nothing scored (no gold for the split predicted); predictions only", task)
            continue
        protocol = {"model_source": str(args.model), **result.protocol}
        dev_scored = protocol.get("scored_on") == "dev"
        record = ResultRecord(
            experiment=args.experiment, variant=args.variant, model=model_name, task=task,
            languages=result.languages, protocol=protocol, data_checksums=result.data_checksums,
            publishable=not dev_scored, notes=" ".join(result.notes),
            variant_family=args.variant_family, duration_s=round(time.monotonic() - started, 1),
        )
        path = write_record(record, args.output)
        metric = "accuracy" if task == "tatoeba" else "f1"
        values = [m[metric] for m in result.languages.values()]
        if values:
            log.info("%s: mean %s %.2f over %d languages -> %s", task, metric,
                     sum(values) / len(values), len(values), path)
        print(path)
    return 0
