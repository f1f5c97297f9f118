"""`harness compare` on records with evidence sidecars: the terminal table, --json, refusals."""

from __future__ import annotations

import json

import pytest
from test_leaderboard_uncertainty import write_system

from harness.cli import main as harness_main
from harness.leaderboard.terminal import run_results_table


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare") / "results"
    write_system(root, "baseline", None)
    write_system(root, "nli_en", 1)
    write_system(root, "nli_en", 2)
    write_system(root, "nli_de", None)
    write_system(root, "multitask", None, publishable=False)
    return root


def test_families_table_in_the_terminal(results, capsys):
    assert harness_main(["compare", str(results), "--families", "non_english", "english", "--replicates", "200"]) == 0
    out = capsys.readouterr().out
    assert "non_english vs english" in out and "XNLI" in out and "overall (mean over categories)" in out
    assert "95% CI" in out and "significant" in out


def test_variants_as_json_with_languages(results, capsys):
    assert harness_main(["compare", str(results), "--variants", "nli_de", "nli_en", "--json", "--languages",
                         "--replicates", "200", "--seed", "3"]) == 0
    document = json.loads(capsys.readouterr().out)
    rows = {row["key"]: row for row in document["rows"]}
    assert document["first"] == ["nli_de"] and document["second"] == ["nli_en"]
    assert rows["xnli"]["ci95"][0] <= rows["xnli"]["value"] <= rows["xnli"]["ci95"][1]
    assert "xnli/de" in rows and rows["xnli/de"]["replicates"] == 200
    again = harness_main(["compare", str(results), "--variants", "nli_de", "nli_en", "--json", "--languages",
                          "--replicates", "200", "--seed", "3"])
    assert again == 0 and json.loads(capsys.readouterr().out) == document   # seeded: reproducible


def test_a_smoke_run_is_refused_and_unknown_variants_named(results, capsys):
    assert harness_main(["compare", str(results), "--variants", "multitask", "baseline"]) == 2
    err = capsys.readouterr().err
    assert "smoke and partial runs are never compared" in err and "nli_de" in err
    assert harness_main(["compare", str(results), "--variants", "nope", "baseline"]) == 2


def test_end_of_run_table_lists_every_system(results):
    table = run_results_table(results, "mini", "mini", "tiny")
    lines = table.splitlines()
    assert "XNLI" in lines[1] and "Tatoeba" in lines[1]
    assert any(line.lstrip().startswith("1 ") for line in lines[3:])
    assert "multitask (smoke, not ranked)" in table
