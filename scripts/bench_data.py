"""Print the data layer's speed figures: mini-suite generation (target < 2 s) and reader throughput.

Usage: python scripts/bench_data.py [--data-dir ../shared/xtreme-data]
Figures only, no assertions: tests never time anything.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import harness.spec  # noqa: F401  (registers the task specs the data layer resolves names with: harness/data/catalog.py)
from harness.data import sources
from harness.data.mini import build_mini_data

REAL = [
    ("xnli", "dev"), ("xnli", "test"), ("pawsx", "dev"), ("udpos", "test"), ("panx", "test"),
    ("xquad", "test"), ("mlqa", "dev"), ("tydiqa", "test"), ("tatoeba", "test"), ("bucc2018", "dev"),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "xtreme-data")
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        build_mini_data(Path(tmp) / "mini")
        print(f"mini suite generation: {time.perf_counter() - started:.2f} s (target < 2 s)")
    data_dir = Path(args.data_dir)
    if not data_dir.is_dir():
        print(f"{data_dir} not found: reader figures skipped")
        return
    for task, split in REAL:
        languages = sources.available_languages(data_dir, task, split)
        files = {
            p for lang in languages for p in sources.resolve_files(data_dir, task, lang, split)
        }
        size = sum(p.stat().st_size for p in files) / 1e6
        started = time.perf_counter()
        for lang in languages:
            sources.load_split(data_dir, task, lang, split)
        seconds = time.perf_counter() - started
        print(
            f"{task:9s} {split:5s} {len(languages):2d} languages {size:7.1f} MB {seconds:6.2f} s {size / seconds:6.1f} MB/s"
        )


if __name__ == "__main__":
    main()
