"""The leaderboard site, built from hand-made result records: numbers in HTML/JSON/CSV, partial
marking, escaping, determinism, and refusal of bad input."""

from __future__ import annotations

import json
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from harness.cli import main as harness_main
from harness.errors import HarnessError
from harness.leaderboard import build_site
from harness.leaderboard.board import build_boards
from harness.leaderboard.charts import delta_colour, heatmap
from harness.leaderboard.compare import compare_variants
from harness.results import ResultRecord, write_record
from harness.spec import default_registry

REGISTRY = default_registry()
MINI = REGISTRY.suite("mini")
PROTOCOL = {"layer": 8, "pooling": "mean", "margin": "ratio", "threshold": 0.42,
            "hyperparameters": {"learning_rate": 0.001, "batch_size": 16}}


def languages(task: str, value, qa_gap: float = 10.0) -> dict:
    """Per-language metrics of `task` in the mini suite; `value` is a number or {lang: number}.

    QA tasks get EM = value - gap and F1 = value + gap, so their task score is `value`.
    """
    spec = REGISTRY.task(task)
    out = {}
    for lang in MINI.task_languages(spec):
        v = value[lang] if isinstance(value, dict) else value
        if spec.metric in ("squad_em_f1", "mlqa_em_f1"):
            out[lang] = {"exact_match": v - qa_gap, "f1": v + qa_gap}
        else:
            out[lang] = {key: v for key in spec.metric_keys}
    return out


def record(variant: str, task: str, value, *, model: str = "tiny", seed: int | None = None, **fields) -> ResultRecord:
    defaults = dict(protocol=PROTOCOL, data_checksums={f"{task}/test.tsv": "sha256:" + "0f" * 32},
                    versions={"harness": "0.1.0", "torch": "2.13.0"}, git_revision="abc123def4567890",
                    created_at="2026-11-01T12:00:00+00:00")
    defaults.update(fields)
    return ResultRecord(experiment="mini", variant=variant, model=model, task=task, suite="mini",
                        languages=languages(task, value), seed=seed, **defaults)


def write_standard_results(root: Path) -> Path:
    """baseline 60 everywhere; nli_en 61.5 / 63.5 over two seeds (+2.50); nli_de +8 in German XNLI
    and -1 elsewhere; multitask +1 everywhere but a smoke run (not publishable)."""
    for task in MINI.tasks:
        write_record(record("baseline", task, 60.0), root)
        write_record(record("nli_en", task, 61.5, seed=1), root)
        write_record(record("nli_en", task, 63.5, seed=2), root)
        de = {lang: (68.0 if lang == "de" else 58.0) for lang in ("en", "de", "fr", "ru")} if task == "xnli" else 59.0
        write_record(record("nli_de", task, de), root)
        write_record(record("multitask", task, 61.0, publishable=False, notes="smoke run: --limit 64"), root)
    return root


class Tables(HTMLParser):
    """Every <table> by id: its header keys (data-key → data-col) and body rows (cells as text + attributes)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict] = {}
        self._table = None
        self._row = None
        self._cell = None
        self._in_body = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", f"table{len(self.tables)}"), {"keys": {}, "rows": []})
        elif self._table is None:
            return
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = {"attrs": attrs, "cells": []}
            self._table["rows"].append(self._row)
        elif tag in ("td", "th"):
            if "data-key" in attrs:
                self._table["keys"][attrs["data-key"]] = int(attrs["data-col"])
            if self._row is not None:
                self._cell = {"attrs": attrs, "text": ""}
                self._row["cells"].append(self._cell)

    def handle_endtag(self, tag):
        if tag == "table":
            self._table, self._in_body = None, False
        elif tag in ("td", "th") and self._cell is not None:
            self._cell["text"] = " ".join(self._cell["text"].split())
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def cell(table: dict, row_attr: str, row_value: str, key: str) -> dict:
    rows = [r for r in table["rows"] if r["attrs"].get(row_attr) == row_value]
    assert len(rows) == 1, f"no single row with {row_attr}={row_value!r}"
    return rows[0]["cells"][table["keys"][key]]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("leaderboard")
    results = write_standard_results(root / "results")
    build_site(results, root / "site")
    return root / "site"


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def test_site_has_every_page_and_data_file(site):
    files = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    assert files == sorted(
        [".harness-site.json", "index.html", "leaderboard.csv", "leaderboard.json", "assets/sort.js", "assets/style.css",
         "mini/index.html", "mini/variants.html", "mini/question.html"]
        + [f"mini/tasks/{task}.html" for task in MINI.tasks])


def test_main_table_ranks_and_scores(site):
    table = Tables(read(site, "mini/index.html")).tables["leaderboard"]
    order = [row["attrs"]["data-system"] for row in table["rows"]]
    # multitask is a smoke run: never ranked with the full results (it has a table of its own)
    assert order == ["nli_en", "baseline", "nli_de"]
    assert [row["cells"][0]["text"] for row in table["rows"]] == ["1", "2", "3"]
    # computed by hand: nli_en is (61.5 + 63.5) / 2 = 62.5 in every language of every task
    assert cell(table, "data-system", "nli_en", "mean_over_tasks")["text"] == "62.50"
    assert cell(table, "data-system", "nli_en", "xnli")["text"] == "62.50"
    # nli_de: XNLI (68 + 3 × 58) / 4 = 60.5; categories (59.75 + 59 + 59 + 59) / 4 = 59.1875
    assert cell(table, "data-system", "nli_de", "xnli")["text"] == "60.50"
    assert cell(table, "data-system", "nli_de", "classification")["text"] == "59.75"
    assert cell(table, "data-system", "nli_de", "mean_over_groups")["text"] == "59.19"
    assert cell(table, "data-system", "nli_de", "mean_over_tasks")["text"] == f"{(60.5 + 6 * 59) / 7:.2f}"
    # QA shows EM / F1; its sort value is the task score (their mean)
    # computed by hand: languages() gives EM = 62.5 - 10, F1 = 62.5 + 10
    xquad = cell(table, "data-system", "nli_en", "xquad")
    assert xquad["text"] == "52.50/72.50"
    assert float(xquad["attrs"]["data-value"]) == pytest.approx(62.5)


def test_overall_is_labelled_both_ways(site):
    html = read(site, "mini/index.html")
    assert "mean over tasks" in html and "mean over categories" in html


def test_smoke_runs_are_marked_and_never_ranked(site):
    tables = Tables(read(site, "mini/index.html")).tables
    [row] = tables["leaderboard-unranked"]["rows"]
    assert row["attrs"]["data-system"] == "multitask (smoke)" and "unpublishable" in row["attrs"]["class"]
    assert "smoke run" in row["cells"][1]["text"]
    assert row["cells"][0]["text"] == ""          # no rank, although its overall (61) beats nli_de and baseline
    assert not any("unpublishable" in r["attrs"]["class"] for r in tables["leaderboard"]["rows"])


def test_variant_deltas_are_coloured_by_sign_with_seed_spread(site):
    tables = Tables(read(site, "mini/variants.html")).tables
    table = tables["variants-1"]
    up = cell(table, "data-variant", "nli_en", "xnli")
    assert up["text"].startswith("+2.50")
    assert "pos" in up["attrs"]["class"].split()
    # two seeds (61.5, 63.5) against one baseline run: ± their standard deviation, n=2
    assert f"± {math.sqrt(2):.2f}" in up["text"] and "n=2" in up["text"]
    down = cell(table, "data-variant", "nli_de", "pawsx")
    assert down["text"] == "-1.00"
    assert "neg" in down["attrs"]["class"].split()
    assert cell(table, "data-variant", "nli_de", "mean_over_groups")["text"] == f"{59.1875 - 60:+.2f}"
    # the experiment spec's variant order; the smoke run is named as not compared, never given a delta
    assert [r["attrs"]["data-variant"] for r in table["rows"]] == ["nli_en", "nli_de"]
    assert "Not compared: <code>multitask</code> (smoke run)" in read(site, "mini/variants.html")


def test_research_question_leads_with_verdicts(site):
    html = read(site, "mini/question.html")
    verdicts = Tables(html).tables["verdicts-1"]
    rows = {row["attrs"]["data-key"]: row for row in verdicts["rows"]}
    # non-English family (nli_de) minus English family (nli_en only: multitask is a smoke run)
    # XNLI: 60.5 - 62.5; without per-example evidence the rows say so instead of showing an interval
    assert rows["xnli"]["cells"][1]["text"] == "\u22122.00"
    assert "no interval" in rows["xnli"]["cells"][4]["text"]
    assert rows["mean_over_groups"]["cells"][1]["text"] == f"{59.1875 - 62.5:+.2f}".replace("-", "\u2212")
    assert list(rows)[:len(MINI.tasks)] == list(MINI.tasks)
    # forest plot (one row per task, category and overall) and the language x task map
    assert html.count("<svg") == 3 and 'class="zero"' in html
    # the matched pair: German NLI against English NLI (same task type and size), never "best of family"
    pair = {row["attrs"]["data-key"]: row for row in Tables(html).tables["pair-1-1"]["rows"]}
    assert pair["xnli"]["cells"][1]["text"] == "\u22122.00" and "best" not in html.lower()
    assert "Synthetic data." in html


def test_task_page_languages_heatmap_protocol_provenance(site):
    html = read(site, "mini/tasks/xnli.html")
    table = Tables(html).tables["metric-accuracy"]
    assert cell(table, "data-system", "nli_de", "de")["text"] == "68.00"
    assert cell(table, "data-system", "nli_de", "fr")["text"] == "58.00"
    assert cell(table, "data-system", "nli_de", "avg")["text"] == "60.50"
    # heatmap: a rect per (language, system) with the value in its tooltip; the delta map shows +8.0
    assert "<title>nli_de, de: 68.0</title>" in html
    assert "<title>nli_de, de: +8.0 points</title>" in html
    assert html.count("<svg") == 2
    for text in ("threshold", "0.42", "hyperparameters.learning_rate", "abc123def456", "2026-11-01T12:00:00+00:00",
                 "xnli/test.tsv", "sha256:0f0f", "torch 2.13.0"):
        assert text in html, text
    qa = Tables(read(site, "mini/tasks/xquad.html")).tables
    # computed by hand: baseline 60, so languages() gives EM = 60 - 10, F1 = 60 + 10
    assert cell(qa["metric-exact_match"], "data-system", "baseline", "de")["text"] == "50.00"
    assert cell(qa["metric-f1"], "data-system", "baseline", "de")["text"] == "70.00"


def test_json_and_csv_hold_the_same_numbers(site):
    document = json.loads(read(site, "leaderboard.json"))
    [suite] = document["suites"]
    systems = {s["variant"]: s for s in suite["systems"]}
    assert systems["nli_en"]["rank"] == 1 and systems["nli_en"]["seeds"] == [1, 2]
    assert systems["nli_de"]["overall"]["mean_over_groups"] == 59.1875
    assert systems["multitask"]["publishable"] is False
    assert systems["nli_en"]["tasks"]["xquad"]["metrics"] == {"exact_match": 52.5, "f1": 72.5}
    [comparison] = suite["comparisons"]
    deltas = {v["variant"]: v for v in comparison["variants"]}
    assert deltas["nli_en"]["tasks"]["xnli"]["delta"] == 2.5
    assert deltas["nli_en"]["tasks"]["xnli"]["n"] == 2
    frame = pd.read_csv(site / "leaderboard.csv")
    row = frame.set_index("variant").loc["nli_de"]
    # computed by hand: rank by mean over categories, nli_en 62.5 > baseline 60 > nli_de 59.1875
    assert row["rank"] == 3 and row["xnli"] == 60.5 and row["mean_over_groups"] == 59.1875
    assert frame.set_index("variant").loc["nli_en", "xquad_em"] == 52.5
    assert not frame.set_index("variant").loc["multitask", "publishable"]


def test_json_carries_the_question_page_and_run_classes(site):
    """leaderboard.json holds the question page's verdicts (not the old best-of-family block) and
    every system's run class, so a program can tell a smoke run from a full one."""
    document = json.loads(read(site, "leaderboard.json"))
    [suite] = document["suites"]
    assert "research_question" not in suite and document["schema_version"] == 2
    classes = {s["variant"]: s["run_class"] for s in suite["systems"]}
    assert classes["multitask"] == "smoke" and classes["nli_en"] == classes["nli_de"] == "full"
    [answer] = suite["uncertainty"]["answers"]
    assert answer["non_english"] == ["nli_de"] and answer["english"] == ["nli_en"]
    assert answer["not_compared"] == [{"variant": "multitask", "run_class": "smoke"}]
    verdicts = {v["key"]: v for v in answer["verdicts"]}
    # the page's XNLI row: 60.5 - 62.5 (see test_research_question_leads_with_verdicts)
    assert verdicts["xnli"]["value"] == -2.0 and "ci95" not in verdicts["xnli"]
    assert [(p["first"], p["second"]) for p in answer["pairs"]] == [("nli_de", "nli_en")]


def test_no_request_to_another_host(site):
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?//""", html), page
    css = read(site, "assets/style.css")
    assert "http" not in css and "@import" not in css


def test_every_local_link_resolves(site):
    for page in site.rglob("*.html"):
        for target in re.findall(r'(?:href|src)="([^"#]+)', page.read_text(encoding="utf-8")):
            assert (page.parent / target).resolve().is_file(), (page, target)


def test_same_results_give_a_byte_identical_site(tmp_path, site):
    results = write_standard_results(tmp_path / "elsewhere" / "results")
    build_site(results, tmp_path / "again")
    first = {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    second = {str(p.relative_to(tmp_path / "again")): p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}
    assert first == second


def test_incomplete_results_are_empty_or_marked_partial(tmp_path):
    results = tmp_path / "results"
    for task in MINI.tasks:
        write_record(record("baseline", task, 60.0), results)
        spec = REGISTRY.task(task)
        partial = record("nli_de", task, 70.0)
        if task == "panx":
            partial.languages.pop("ru")
        write_record(partial, results)
    write_record(record("nli_en", "xnli", 90.0), results)  # one task only
    build_site(results, tmp_path / "site")
    table = Tables(read(tmp_path / "site", "mini/index.html")).tables["leaderboard"]
    panx = cell(table, "data-system", "nli_de", "panx")
    assert panx["text"] == "70.00*" and "partial" in panx["attrs"]["class"]
    assert "missing ru" in panx["attrs"]["title"]
    overall = cell(table, "data-system", "nli_de", "mean_over_groups")
    assert overall["text"] == "70.00*" and "partial" in overall["attrs"]["class"]
    assert cell(table, "data-system", "nli_de", "rank")["text"] == ""      # partial overall: not ranked
    assert cell(table, "data-system", "nli_en", "xnli")["text"] == "90.00"
    for key in ("pawsx", "classification", "mean_over_tasks", "mean_over_groups", "rank"):
        assert cell(table, "data-system", "nli_en", key)["text"] == "", key
    assert [r["attrs"]["data-system"] for r in table["rows"]] == ["baseline", "nli_de", "nli_en"]
    assert spec is not None


def test_strings_from_result_files_are_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    results = tmp_path / "results"
    for task in MINI.tasks:
        write_record(record("baseline", task, 60.0, model=evil, notes=f"note {evil}",
                            protocol={"pooling": evil, evil: 1}, data_checksums={evil: "sha256:00"}), results)
        write_record(record("nli_en", task, 62.0, model=evil), results)
    build_site(results, tmp_path / "site")
    for page in (tmp_path / "site").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert [m for m in re.findall(r"<script[^>]*>", html)] == [f'<script src="{"../" * (len(page.relative_to(tmp_path / "site").parts) - 1)}assets/sort.js">']
    task_page = read(tmp_path / "site", "mini/tasks/xnli.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in task_page
    assert read(tmp_path / "site", "mini/index.html").count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2
    document = json.loads(read(tmp_path / "site", "leaderboard.json"))
    assert {s["model"] for s in document["suites"][0]["systems"]} == {evil}


def test_rebuild_replaces_previous_site_but_never_a_foreign_folder(tmp_path):
    results = tmp_path / "results"
    for task in MINI.tasks:
        write_record(record("baseline", task, 60.0), results)
    site = tmp_path / "site"
    build_site(results, site)
    # A page an earlier build wrote (listed in its manifest) that this build no longer makes.
    manifest = json.loads((site / ".harness-site.json").read_text())
    (site / ".harness-site.json").write_text(json.dumps({**manifest, "files": manifest["files"] + ["mini/tasks/stale.html"]}))
    (site / "mini" / "tasks" / "stale.html").write_text("old")
    build_site(results, site)
    assert not (site / "mini" / "tasks" / "stale.html").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(HarnessError, match="not empty"):
        build_site(results, foreign)
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_bad_input_is_refused_with_one_message(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(HarnessError, match="no result records"):
        build_site(empty, tmp_path / "site")
    results = tmp_path / "results"
    bad = record("baseline", "xnli", 60.0)
    bad.suite = "nosuch"
    write_record(bad, results)
    with pytest.raises(HarnessError, match="unknown suite 'nosuch'"):
        build_site(results, tmp_path / "site")
    assert not (tmp_path / "site").exists()
    good = tmp_path / "good"
    write_record(record("baseline", "xnli", 60.0), good)
    code = harness_main(["leaderboard", str(good), "-o", str(tmp_path / "site"), "--baseline-variant", "nosuch"])
    assert code == 2
    assert "--baseline-variant nosuch" in capsys.readouterr().err


def test_cli_builds_the_site(tmp_path):
    results = write_standard_results(tmp_path / "results")
    assert harness_main(["leaderboard", str(results), "-o", str(tmp_path / "site"), "--baseline-variant", "nli_de"]) == 0
    table = Tables(read(tmp_path / "site", "mini/variants.html")).tables["variants-1"]
    assert cell(table, "data-variant", "baseline", "pawsx")["text"] == "+1.00"


def test_templates_folder_can_be_moved(tmp_path, monkeypatch):
    results = tmp_path / "results"
    write_record(record("baseline", "xnli", 60.0), results)
    moved = tmp_path / "templates-copy"
    shutil.copytree(Path(__file__).resolve().parent.parent / "leaderboard", moved)
    (moved / "assets" / "extra.txt").write_text("shipped with the site")
    monkeypatch.setenv("HARNESS_LEADERBOARD_DIR", str(moved))
    build_site(results, tmp_path / "site")
    assert (tmp_path / "site" / "assets" / "extra.txt").read_text() == "shipped with the site"
    monkeypatch.setenv("HARNESS_LEADERBOARD_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(HarnessError, match="HARNESS_LEADERBOARD_DIR"):
        build_site(results, tmp_path / "site2")


def test_heatmap_colours_follow_sign_and_size():
    assert delta_colour(3.0, 3.0)[0] == "#1a7f37"          # strongest green at the limit
    assert delta_colour(-3.0, 3.0)[0] == "#cf222e"
    weak, strong = delta_colour(0.5, 3.0)[0], delta_colour(2.5, 3.0)[0]
    assert weak != strong
    chart = heatmap([("de", "German"), ("fr", "French")], ["a", "b"], [[1.0, None], [-2.0, 0.0]], mode="delta", label="x")
    titles = [r.title for r in chart.rects if r.title]
    assert titles == ["a, de: +1.0", "b, de: no result", "a, fr: -2.0", "b, fr: +0.0"]


def test_seeds_run_by_both_variants_are_paired():
    records = []
    for task in MINI.tasks:
        records += [record("baseline", task, 60.0, seed=1), record("baseline", task, 61.0, seed=2),
                    record("nli_en", task, 62.0, seed=1), record("nli_en", task, 64.0, seed=2)]
    [board] = build_boards(records, REGISTRY)
    [group] = compare_variants(board, "baseline")
    [variant] = group.variants
    delta = variant.tasks["xnli"]
    # per-seed differences 2 and 3: mean 2.5, standard deviation 0.7071
    assert (delta.value, delta.n, delta.paired) == (2.5, 2, True)
    assert delta.std == pytest.approx(math.sqrt(0.5))


def test_every_suite_in_the_results_gets_its_pages(tmp_path):
    results = tmp_path / "results"
    write_record(record("baseline", "xnli", 60.0), results)
    xtreme = ResultRecord(experiment="xstilts", variant="baseline", model="xlm-roberta-large", task="xquad",
                          suite="xtreme", languages={"en": {"exact_match": 70.0, "f1": 80.0}, "de": {"exact_match": 50.0, "f1": 60.0}})
    write_record(xtreme, results)
    build_site(results, tmp_path / "site")
    assert (tmp_path / "site" / "mini" / "tasks" / "xnli.html").is_file()
    assert (tmp_path / "site" / "xtreme" / "tasks" / "mlqa.html").is_file()
    index = read(tmp_path / "site", "index.html")
    assert "Suite mini" in index and "Suite xtreme" in index
    table = Tables(read(tmp_path / "site", "xtreme/index.html")).tables["leaderboard"]
    xquad = cell(table, "data-system", "baseline", "xquad")
    assert xquad["text"] == "60.00/70.00*" and "missing" in xquad["attrs"]["title"]   # 2 of 11 languages
    frame = pd.read_csv(tmp_path / "site" / "leaderboard.csv")
    assert sorted(frame["suite"]) == ["mini", "xtreme"]
    assert harness_main(["leaderboard", str(results), "-o", str(tmp_path / "only"), "--suite", "xtreme"]) == 0
    assert not (tmp_path / "only" / "mini").exists() and (tmp_path / "only" / "xtreme").is_dir()
    assert harness_main(["leaderboard", str(results), "-o", str(tmp_path / "none"), "--suite", "nosuch"]) == 2
