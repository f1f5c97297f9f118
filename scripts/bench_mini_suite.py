#!/usr/bin/env python
"""How long the offline default (`make run`: the mini suite, from nothing) takes here.

Runs `harness run` in a fresh temporary folder (so nothing is cached: data generation, the
tiny model, its MLM phase, every variant and task, the leaderboard), then once more on the
same folder to time a resumed run that finds everything done. Prints the figures; the target
is under 5 minutes for the cold run on a 2-core machine.

    .venv/bin/python scripts/bench_mini_suite.py [--keep DIR] [-- extra harness run args]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HARNESS = Path(sys.executable).with_name("harness")


def timed_run(root: Path, extra: list[str]) -> tuple[float, str]:
    command = [str(HARNESS), "run", "--work-dir", str(root / "runs"), "--results-dir", str(root / "results"),
               "--site-dir", str(root / "site"), *extra]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TQDM_DISABLE": "1"}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"harness run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (default: a temporary one)")
    parser.add_argument("extra", nargs="*", help="more arguments for harness run (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mini-") as scratch:
        root = args.keep or Path(scratch)
        cold, log = timed_run(root, args.extra)
        warm, _ = timed_run(root, args.extra)
    summary = re.search(r"result records written.*", log)
    print(f"cpu cores: {os.cpu_count()}, torch threads: {os.environ.get('OMP_NUM_THREADS', 'default')}")
    print(f"cold run (nothing cached):  {cold:7.1f} s  ({cold / 60:.2f} min; target < 5 min)")
    print(f"resumed run (all done):     {warm:7.1f} s")
    if summary:
        print(f"breakdown: {summary.group(0)}")


if __name__ == "__main__":
    main()
