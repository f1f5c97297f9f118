#!/usr/bin/env python3
"""Time the paired bootstrap of a full xstilts-sized board: every variant of the xstilts
experiment x the nine XTREME tasks x all their languages, with synthetic per-example evidence
of realistic sizes (XNLI 5,010 pairs per language, PAWS-X 2,000, UD-POS ~1,000 sentences,
PAN-X 10,000, XQuAD 1,190, MLQA ~5,000, TyDiQA ~800, BUCC ~2,500 sentences, Tatoeba 1,000).

Prints the seconds for the replicates of every test set (aligning items, drawing the counts,
the matrix products) and for the board's aggregation and differences, with the item counts; no assertion, just figures.

    .venv/bin/python scripts/bench_bootstrap.py [--replicates 1000] [--seeds 1] [--variants 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from harness.spec import default_registry
from harness.stats.bootstrap import bootstrap_test_set, estimate

SIZES = {"xnli": 5010, "pawsx": 2000, "udpos": 1000, "panx": 10000, "xquad": 1190, "mlqa": 5000, "tydiqa": 800,
         "bucc2018": 2500, "tatoeba": 1000}
KIND = {"accuracy": "accuracy", "f1": "spans", "squad_em_f1": "qa", "mlqa_em_f1": "qa", "bucc_f1": "bucc"}


def synthetic_items(kind: str, n: int, skill: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    ids = np.arange(n).astype(str)
    if kind == "accuracy":
        hit = (rng.random(n) < skill).astype(float)
        return ids, np.stack([hit, np.ones(n)], axis=1)
    if kind == "qa":
        em = (rng.random(n) < skill).astype(float)
        f1 = np.clip(em + rng.random(n) * 0.4, 0, 1)
        return ids, np.stack([em, f1, np.ones(n)], axis=1)
    if kind == "spans":
        chunks = rng.integers(1, 8, n).astype(float)
        tp = rng.binomial(chunks.astype(int), skill).astype(float)
        fp = rng.binomial(2, 1 - skill, n).astype(float)
        tokens = chunks * 2
        return ids, np.stack([tp, fp, chunks - tp, tokens - fp, tokens], axis=1)
    gold = np.ones(n)
    tp = (rng.random(n) < skill).astype(float)
    return ids, np.stack([tp, tp + (rng.random(n) < 0.1), gold], axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=1, help="seeds per variant (averaged inside each replicate)")
    parser.add_argument("--variants", type=int, default=20)
    args = parser.parse_args()
    registry = default_registry()
    suite = registry.suite("xtreme")
    rng = np.random.default_rng(0)
    systems = args.variants * args.seeds
    test_sets = [(registry.task(t), lang) for t in suite.tasks for lang in suite.task_languages(registry.task(t))]
    items = {}
    for task, lang in test_sets:
        kind = KIND[task.metric]
        skills = 0.6 + 0.1 * rng.random(systems)
        items[(task.name, lang)] = (kind, [synthetic_items(kind, SIZES[task.name], s, rng) for s in skills])
    total_items = sum(SIZES[t.name] for t, _ in test_sets)
    print(f"board: {args.variants} variants x {args.seeds} seed(s), {len(suite.tasks)} tasks, {len(test_sets)} "
          f"test sets (task x language), {total_items:,} test items, {args.replicates} replicates")

    started = time.perf_counter()
    scores = {}
    for (task, lang), (kind, per_system) in items.items():
        scores[(task, lang)] = bootstrap_test_set(kind, per_system, task=task, language=lang,
                                                  replicates=args.replicates, seed=1)
    replicate_s = time.perf_counter() - started

    started = time.perf_counter()
    per_task = {}
    for task in suite.tasks:
        langs = [np.mean(scores[(task, lang)].reshape(args.variants, args.seeds, -1), axis=1)
                 for lang in suite.task_languages(registry.task(task))]
        per_task[task] = np.mean(langs, axis=0)                         # (variants, R)
    overall = np.mean(list(per_task.values()), axis=0)
    estimates = [estimate(float(np.mean(overall[v] - overall[0])), overall[v] - overall[0])
                 for v in range(1, args.variants)]
    estimates += [estimate(float(np.mean(per_task[t][v] - per_task[t][0])), per_task[t][v] - per_task[t][0])
                  for t in suite.tasks for v in range(1, args.variants)]
    aggregate_s = time.perf_counter() - started
    print(f"replicates of all test sets (align, draw, sum): {replicate_s:7.2f} s")
    print(f"aggregate + {len(estimates)} intervals:               {aggregate_s:7.2f} s")
    print(f"total:                                          {replicate_s + aggregate_s:7.2f} s")


if __name__ == "__main__":
    main()
