"""`harness data`: download, verify, list, and generate the offline mini suite."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from harness.cli._options import SplitCommas, hide_aliases

log = logging.getLogger(__name__)

NAME_WIDTH = 14  # the task column of `harness data list`, widened for longer names


def _registry_tasks() -> list[str]:
    """Every task spec loaded (built-in and --tasks-dir), targets first, as `harness ls tasks` orders them."""
    from harness.spec import default_registry

    tasks = default_registry().tasks.values()
    return [t.name for t in sorted(tasks, key=lambda t: (t.role != "target", t.name))]


def _task_list(tasks: list[str]) -> list[str]:
    """`--tasks` (already split at commas by SplitCommas), with 'all' expanded."""
    # The data layer resolves task names through the spec registry (harness/data/catalog.py):
    # loading it here registers it, and a broken spec fails before anything is fetched.
    from harness.data.download import download_table
    from harness.spec import default_registry

    default_registry()

    if "all" in tasks:
        return sorted(download_table())
    return tasks


def _download(args: argparse.Namespace) -> int:
    from harness.data.download import download_tasks

    tasks = _task_list(args.tasks)
    download_tasks(
        tasks,
        Path(args.dir),
        base_url=args.base_url,
        keep_archives=args.keep_archives,
        force=args.force,
    )
    log.info("data for %s is in %s (checksums in MANIFEST.json)", ", ".join(tasks), args.dir)
    return 0


def _verify(args: argparse.Namespace) -> int:
    from harness.data.download import read_manifest, verify

    problems = verify(Path(args.dir))
    count = len(read_manifest(Path(args.dir))["files"])
    for problem in problems:
        print(f"{args.dir}/{problem}", file=sys.stderr)
    if problems:
        print(
            f"harness data verify: {len(problems)} of {count} files fail; download them again (--force)",
            file=sys.stderr,
        )
        return 1
    print(f"{count} files match MANIFEST.json")
    return 0


def _mini(args: argparse.Namespace) -> int:
    from harness.data.mini import build_mini_data

    out = build_mini_data(Path(args.dir), seed=args.seed)
    print(f"mini suite (seed {args.seed}) written to {out}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from harness.data.sources import SPLITS, available_languages

    data_dir = Path(args.dir)
    tasks = _task_list(args.tasks) if args.tasks else _registry_tasks()
    width = max([NAME_WIDTH, *(len(task) for task in tasks)])
    for task in tasks:
        cells = []
        for split in SPLITS:
            languages = available_languages(data_dir, task, split)
            if languages:
                cells.append(f"{split}: {' '.join(languages)}")
        print(f"{task:{width}s} {'; '.join(cells) if cells else '-'}")
    return 0


def _data_dir(parser: argparse.ArgumentParser, help: str) -> None:
    """`--data-dir DIR` (the old `--dir` still works, unlisted)."""
    hide_aliases(parser.add_argument("--data-dir", "--dir", dest="dir", required=True, metavar="DIR", help=help),
                 "--dir")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="download, verify or generate task data")
    commands = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    download = commands.add_parser(
        "download",
        help="fetch tasks from their original addresses (resumable; sha256 in MANIFEST.json)",
    )
    download.add_argument(
        "--tasks", nargs="+", action=SplitCommas, required=True,
        help="task names, comma or space separated, or 'all'",
    )
    _data_dir(download, "data folder to fill")
    download.add_argument(
        "--base-url",
        help="a mirror serving <base-url>/<task>/<file name> instead of the original hosts",
    )
    download.add_argument(
        "--keep-archives", action="store_true", help="keep downloaded archives in <dir>/_downloads"
    )
    download.add_argument(
        "--force", action="store_true", help="fetch again tasks the manifest marks complete"
    )
    download.set_defaults(func=_download)

    verify = commands.add_parser(
        "verify", help="check every file of a data folder against its MANIFEST.json"
    )
    _data_dir(verify, "data folder written by `harness data download` or `harness data mini`")
    verify.set_defaults(func=_verify)

    mini = commands.add_parser("mini", help="generate the small offline mini suite (deterministic)")
    _data_dir(mini, "folder to write the mini suite into")
    mini.add_argument("--seed", type=int, default=0)
    mini.set_defaults(func=_mini)

    listing = commands.add_parser(
        "list", help="which tasks, splits and languages a data folder holds"
    )
    _data_dir(listing, "data folder to look into")
    listing.add_argument("--tasks", nargs="*", action=SplitCommas, help="only these tasks, space or comma separated")
    listing.set_defaults(func=_list)
