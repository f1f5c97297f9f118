"""Wall time of a grid under the Slurm executor against the local executor, from nothing.

Needs a running Slurm (scripts/slurm-cluster.sh start). Each executor gets a fresh work
folder, so nothing is reused between them; the mini data is generated in each. Prints the
job count, both wall times and whether the records agree score for score.

    .venv/bin/python scripts/bench_slurm_grid.py                 # the whole mini suite
    .venv/bin/python scripts/bench_slurm_grid.py --tasks xnli tatoeba --variants baseline nli_en
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(root: Path, extra: list[str], grid: list[str]) -> float:
    command = [sys.executable, "-m", "harness", "run", "--work-dir", str(root / "runs"),
               "--results-dir", str(root / "results"), "--site-dir", str(root / "site"), *grid, *extra]
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def scores(results: Path) -> dict:
    out = {}
    for path in sorted(results.rglob("*.result.json")):
        record = json.loads(path.read_text())
        out[(record["variant"], record["task"], record.get("seed"))] = record["languages"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+")
    parser.add_argument("--variants", nargs="+")
    parser.add_argument("--smoke", action="store_true", help="--max-steps 4 --limit 64")
    args = parser.parse_args()
    grid = []
    if args.tasks:
        grid += ["--tasks", *args.tasks]
    if args.variants:
        grid += ["--variants", *args.variants]
    if args.smoke:
        grid += ["--max-steps", "4", "--limit", "64"]
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory(prefix="bench-slurm-") as tmp:
        local, cluster = Path(tmp) / "local", Path(tmp) / "slurm"
        local_s = run(local, [], grid)
        slurm_s = run(cluster, ["--executor", "slurm", "--wait"], grid)
        jobs = [json.loads(p.read_text()) for p in (cluster / "runs" / "jobs").glob("*.json")]
        kinds: dict[str, int] = {}
        for job in jobs:
            kinds[job["kind"]] = kinds.get(job["kind"], 0) + 1
        same = scores(local / "results") == scores(cluster / "results")
        print(f"grid: {' '.join(grid) or 'the whole mini suite'}; {os.cpu_count()} cores, OMP_NUM_THREADS="
              f"{os.environ['OMP_NUM_THREADS']}")
        print(f"slurm jobs: {len(jobs)} ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})")
        print(f"local executor: {local_s:.1f} s   slurm executor: {slurm_s:.1f} s   "
              f"ratio {slurm_s / local_s:.2f}")
        print(f"records equal score for score: {same} ({len(scores(local / 'results'))} records)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
