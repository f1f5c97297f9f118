"""The leaderboard with per-example evidence: paired bootstrap intervals on the question and
variants pages, verdict rows, and the trust rules (a smoke run beside a full one neither
overwrites it nor is ranked, compared or used as a baseline)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest
from test_leaderboard import Tables, cell

from harness.leaderboard import build_site
from harness.leaderboard.board import build_boards
from harness.metrics.evidence import (
    accuracy_evidence,
    bucc_evidence,
    metrics_from_sums,
    qa_evidence,
    recompute,
    span_evidence,
)
from harness.results import ResultRecord, load_records, write_record
from harness.results.evidence import (
    Evidence,
    LanguageEvidence,
    load_evidence,
    record_identity,
    write_evidence,
)
from harness.results.store import record_path
from harness.spec import default_registry

REGISTRY = default_registry()
MINI = REGISTRY.suite("mini")
NER = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
POS = ["NOUN", "VERB", "ADJ", "DET", "PUNCT"]
# Accuracy of each system per task, as a shift of the share of items right (baseline 0.6).
SKILL = {"baseline": 0.0, "nli_en": 0.03, "nli_de": 0.01, "multitask": 0.2}


def language_evidence(task: str, lang: str, variant: str, seed: int) -> LanguageEvidence:
    """Synthetic but realistic evidence: the same items for every system (seeded by task and
    language), each system right on a share of them that grows with its skill."""
    items = random.Random(f"{task}/{lang}")
    own = random.Random(f"{task}/{lang}/{variant}/{seed}")
    skill = 0.6 + SKILL[variant]
    spec = REGISTRY.task(task)
    if spec.metric == "accuracy":
        labels = [items.choice("abc") for _ in range(400)]
        guesses = [g if own.random() < skill else items.choice("abc") for g in labels]
        return LanguageEvidence("accuracy", *accuracy_evidence(labels, guesses))
    if spec.metric == "f1":
        tags = NER if task == "panx" else POS
        gold = [[items.choice(tags) for _ in range(items.randint(3, 12))] for _ in range(150)]
        pred = [[t if own.random() < skill else own.choice(tags) for t in s] for s in gold]
        return LanguageEvidence("spans", *span_evidence(gold, pred))
    if spec.metric in ("squad_em_f1", "mlqa_em_f1"):
        words = ["river", "old", "town", "bridge", "1990", "north"]
        gold = [(f"q{i}", [" ".join(items.choices(words, k=2))]) for i in range(200)]
        pred = {q: (a[0] if own.random() < skill else " ".join(own.choices(words, k=2))) for q, a in gold}
        return LanguageEvidence("qa", *qa_evidence(gold, pred))
    gold = sorted({(f"{lang}-{i:05d}", f"en-{i:05d}") for i in range(300)})
    pred = [p for p in gold if own.random() < skill] + [(f"{lang}-{i:05d}", f"en-x{i}") for i in range(own.randint(5, 40))]
    ids, stats = bucc_evidence(gold, pred)
    return LanguageEvidence("bucc", ids, stats, np.array(sorted(set(pred))), np.array(gold))


def write_system(root: Path, variant: str, seed: int | None, *, publishable: bool = True,
                 evidence: bool = True) -> None:
    for task in MINI.tasks:
        spec = REGISTRY.task(task)
        per_language = {lang: language_evidence(task, lang, variant, seed or 0) for lang in MINI.task_languages(spec)}
        languages = {lang: item.metrics() for lang, item in per_language.items()}
        record = ResultRecord(experiment="mini", variant=variant, model="tiny", task=task, suite="mini",
                              languages=languages, seed=seed, publishable=publishable,
                              protocol={"run_key": f"{variant}-{task}-{seed}"},
                              versions={"harness": "0"}, git_revision="0" * 12, created_at="2026-11-01T12:00:00+00:00")
        if not publishable:
            record.run_class = "smoke"
        if evidence:
            write_evidence(Evidence(task, per_language, record_identity(record)), record_path(root, record))
        write_record(record, root)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("uncertainty") / "results"
    write_system(root, "baseline", None)
    write_system(root, "nli_en", 1)
    write_system(root, "nli_en", 2)
    write_system(root, "nli_de", None)
    # a smoke run of the same variant as a full one, into the same folder
    write_system(root, "multitask", None)
    write_system(root, "multitask", None, publishable=False)
    write_system(root, "baseline", None, publishable=False)
    return root


@pytest.fixture(scope="module")
def site(results, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("uncertainty-site")
    build_site(results, out)
    return out


def test_a_smoke_run_never_overwrites_the_full_record(results):
    paths = sorted(p.name for p in (results / "mini" / "baseline" / "tiny").iterdir())
    assert "xnli.result.json" in paths and "xnli.smoke.result.json" in paths
    assert "xnli.evidence.npz" in paths and "xnli.smoke.evidence.npz" in paths
    records = load_records(results)
    evidence = load_evidence(results, records)
    assert len(evidence) == len(records)          # every record found its own sidecar, smoke ones too


def test_smoke_runs_are_never_ranked_compared_or_a_baseline(results):
    [board] = build_boards(load_records(results), REGISTRY)
    ranked = [row for row in board.systems if row.rank is not None]
    assert {row.variant for row in ranked} == {"baseline", "nli_en", "nli_de", "multitask"}
    assert all(row.trusted for row in ranked)
    smoke = [row for row in board.systems if not row.trusted]
    assert {(row.variant, row.run_class) for row in smoke} == {("baseline", "smoke"), ("multitask", "smoke")}
    assert all(row.rank is None for row in smoke)


def test_question_page_has_verdict_rows_with_intervals(site, results):
    html = (site / "mini" / "question.html").read_text(encoding="utf-8")
    rows = {r["attrs"]["data-key"]: r for r in Tables(html).tables["verdicts-1"]["rows"]}
    assert set(MINI.tasks) | {"mean_over_tasks", "mean_over_groups"} <= set(rows)
    xnli = rows["xnli"]
    low, high = float(xnli["cells"][2]["attrs"]["data-low"]), float(xnli["cells"][2]["attrs"]["data-high"])
    value = float(xnli["cells"][1]["attrs"]["data-value"])
    assert low < value < high
    assert "non-English entailment vs English, XNLI:" in xnli["cells"][4]["text"]
    assert re.search(r"(not )?significant \(p [=<] ", xnli["cells"][4]["text"])
    # the forest plot draws one interval per row that has one
    assert html.count('class="ci"') >= len(rows)
    assert "95% paired bootstrap" in html


def test_family_interval_matches_the_normal_approximation(results):
    # XNLI, German: nli_de − nli_en (two seeds averaged) on 400 shared items. A paired difference of
    # means of 0/1 items: the bootstrap sd tends to sd(d_i)/sqrt(n) (the analytic case of the tests).
    from harness.leaderboard.uncertainty import BoardBootstrap

    records = load_records(results)
    evidence = load_evidence(results, records)
    by_id = {id(records[i]): e for i, e in evidence.items()}
    [board] = build_boards(records, REGISTRY)
    boot = BoardBootstrap(board, lambda r: by_id.get(id(r)), replicates=2000, seed=5)
    rows = {row.variant: row for row in board.systems if row.trusted}
    est = boot.contrast([rows["nli_de"]], [rows["nli_en"]], "languages", ("xnli", "de"))
    de = language_evidence("xnli", "de", "nli_de", 0).stats[:, 0]
    en = (language_evidence("xnli", "de", "nli_en", 1).stats[:, 0] + language_evidence("xnli", "de", "nli_en", 2).stats[:, 0]) / 2
    se = 100 * np.std(de - en, ddof=1) / np.sqrt(len(de))
    assert est.value == pytest.approx(100 * (de.mean() - en.mean()), abs=1e-9)
    assert (est.high - est.low) / (2 * 1.96) == pytest.approx(se, rel=0.12)


def test_variants_page_shows_intervals_and_the_seed_spread(site):
    html = (site / "mini" / "variants.html").read_text(encoding="utf-8")
    table = Tables(html).tables["variants-1"]
    up = cell(table, "data-variant", "nli_en", "xnli")
    assert "[" in up["text"] and "±" in up["text"] and "n=2" in up["text"]
    assert [r["attrs"]["data-variant"] for r in table["rows"]] == ["nli_en", "nli_de", "multitask"]


def test_the_same_results_give_the_same_intervals(results, tmp_path):
    build_site(results, tmp_path / "a")
    build_site(results, tmp_path / "b")
    for page in ("mini/question.html", "mini/variants.html"):
        assert (tmp_path / "a" / page).read_bytes() == (tmp_path / "b" / page).read_bytes()


def test_metrics_from_sums_agrees_with_recompute_on_a_language():
    item = language_evidence("panx", "de", "nli_de", 0)
    full = metrics_from_sums("spans", item.stats.sum(axis=0))
    assert full["f1"] == pytest.approx(recompute("spans", item.stats)["f1"], abs=1e-12)


def test_reference_systems_are_shown_beside_ours_never_ranked(results, tmp_path, monkeypatch):
    import shutil

    from harness.errors import HarnessError
    from harness.leaderboard.references import load_references
    from harness.leaderboard.site import leaderboard_dir

    root = tmp_path / "leaderboard"
    shutil.copytree(leaderboard_dir(), root)
    # A made-up system, to test the mechanism only: the shipped file holds no invented numbers.
    (root / "references.yaml").write_text(
        "references:\n  - {name: Example system, paper: Example et al. 2099, table: Table 9, suite: mini,\n"
        "     tasks: {xnli: 50.5, tatoeba: 12.25}}\n", encoding="utf-8")
    monkeypatch.setenv("HARNESS_LEADERBOARD_DIR", str(root))
    build_site(results, tmp_path / "site")
    html = (tmp_path / "site" / "mini" / "index.html").read_text(encoding="utf-8")
    assert "Example system" in html and "Example et al. 2099, Table 9" in html and "50.50" in html
    ranked = Tables(html).tables["leaderboard"]["rows"]
    assert all("Example" not in row["attrs"]["data-system"] for row in ranked)
    (root / "references.yaml").write_text("references:\n  - {name: X, suite: mini, tasks: {xnli: 50}}\n")
    with pytest.raises(HarnessError, match="missing paper, table"):
        load_references(root / "references.yaml")


def test_the_shipped_reference_file_loads():
    from harness.leaderboard.references import load_references

    for ref in load_references():
        assert ref.paper and ref.table


def test_leaderboard_json_carries_the_same_intervals(site):
    import json

    document = json.loads((site / "leaderboard.json").read_text(encoding="utf-8"))
    [answer] = document["suites"][0]["uncertainty"]["answers"]
    assert answer["non_english"] == ["nli_de"] and answer["english"] == ["nli_en", "multitask"]
    xnli = next(v for v in answer["verdicts"] if v["key"] == "xnli")
    html = (site / "mini" / "question.html").read_text(encoding="utf-8")
    row = next(r for r in Tables(html).tables["verdicts-1"]["rows"] if r["attrs"]["data-key"] == "xnli")
    assert xnli["ci95"][0] == pytest.approx(float(row["cells"][2]["attrs"]["data-low"]), abs=1e-6)


def test_forest_plot_geometry():
    from harness.leaderboard.charts import ForestRow, forest_plot, ticks

    rows = [ForestRow("XNLI", -2.0, -3.5, -0.5, "−2.00 [−3.50, −0.50]"), ForestRow("PAWS-X", 0.4, -1.0, 1.8, "n.s."),
            ForestRow("BUCC", 1.0, note="no CI"), ForestRow("overall", -0.3, -0.9, 0.2, "", strong=True)]
    chart = forest_plot(rows, "test")
    assert sum(line.css == "ci" for line in chart.lines) == 3            # the row without an interval: a point only
    [zero] = [line for line in chart.lines if line.css == "zero"]
    assert sum(line.css == "tick" for line in chart.lines) == len(ticks(5.0))
    # zero sits in the middle; −3.5 lies left of it, +1.8 right of it
    ci = [line for line in chart.lines if line.css == "ci"]
    assert ci[0].x1 < zero.x1 < ci[1].x2
    # computed by hand: step = the smallest of 1, 2, 2.5, 5 x 10^k at or above 25 / 5, i.e. 5
    assert ticks(25) == [-25, -20, -15, -10, -5, 0, 5, 10, 15, 20, 25]
