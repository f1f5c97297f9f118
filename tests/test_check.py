"""`harness check`, the score-regression gate: exit codes 0/1/2, the Markdown report, the baseline file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main as harness_main
from harness.errors import HarnessError
from harness.regression import check, read_baseline
from harness.regression.report import escape
from harness.results import ResultRecord, record_path, write_record
from harness.spec import default_registry

REGISTRY = default_registry()
MINI = REGISTRY.suite("mini")


def record(task: str, value: float | dict, *, variant: str = "baseline", model: str = "tiny", **fields) -> ResultRecord:
    """A mini-suite record with `value` in every language (or per language); QA: EM value-10, F1 value+10."""
    spec = REGISTRY.task(task)
    languages = {}
    for lang in MINI.task_languages(spec):
        v = value[lang] if isinstance(value, dict) else value
        languages[lang] = ({"exact_match": v - 10, "f1": v + 10} if spec.metric in ("squad_em_f1", "mlqa_em_f1")
                           else {key: v for key in spec.metric_keys})
    return ResultRecord(experiment="mini", variant=variant, model=model, task=task, suite="mini", languages=languages,
                        versions={"harness": "0.1.0"}, git_revision="abc", created_at="2026-11-01T00:00:00+00:00",
                        **fields)


@pytest.fixture
def results(tmp_path) -> Path:
    root = tmp_path / "results"
    for task in MINI.tasks:
        write_record(record(task, 60.0), root)
        write_record(record(task, 70.0, variant="nli_en"), root)
    return root


@pytest.fixture
def baseline(results, tmp_path) -> Path:
    path = tmp_path / "ci" / "baseline.json"
    assert harness_main(["check", "--results", str(results), "--baseline", str(path), "--update-baseline"]) == 0
    return path


def run_check(capsys, results: Path, baseline: Path, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()  # drop what fixtures printed
    code = harness_main(["check", "--results", str(results), "--baseline", str(baseline), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_update_baseline_writes_current_scores(baseline):
    document = json.loads(baseline.read_text())
    assert document["format"] == "harness-score-baseline"
    systems = {s["variant"]: s for s in document["systems"]}
    assert set(systems) == {"baseline", "nli_en"}
    assert systems["nli_en"]["tasks"]["xnli"] == {"score": 70.0, "languages": {"de": 70.0, "en": 70.0, "fr": 70.0, "ru": 70.0}}
    assert systems["baseline"]["tasks"]["xquad"]["score"] == 60.0   # QA: mean of EM 50 and F1 70
    assert [p.name for p in baseline.parent.iterdir()] == ["baseline.json"]   # no temp file left behind


def test_same_results_pass(capsys, results, baseline):
    code, out, err = run_check(capsys, results, baseline)
    assert code == 0
    assert out.startswith("## Score regression check: ✅ passed")
    assert "0 regressions, 0 missing" in out and "### Regressions" not in out
    assert "passed" in err


def test_a_language_regression_fails_even_when_the_task_mean_holds(capsys, results, baseline):
    # German XNLI falls by 3 points: the task mean falls by 0.75 (inside the tolerance), the language does not.
    write_record(record("xnli", {"en": 70.0, "de": 67.0, "fr": 70.0, "ru": 70.0}, variant="nli_en"), results)
    code, out, _ = run_check(capsys, results, baseline)
    assert code == 1
    assert out.startswith("## Score regression check: ❌ failed")
    regressions = out.split("### Regressions (1)")[1].split("###")[0]
    assert "| mini | mini | nli\\_en | tiny | xnli | de | 70.00 | 67.00 | **-3.00** |" in regressions
    code, out, _ = run_check(capsys, results, baseline, "--tolerance", "3.5")
    assert code == 0 and "### Regressions" not in out


def test_task_regression_and_improvement(capsys, results, baseline):
    write_record(record("pawsx", 55.0), results)        # -5 in every language
    write_record(record("udpos", 72.5, variant="nli_en"), results)   # +2.5
    code, out, _ = run_check(capsys, results, baseline)
    assert code == 1
    assert "### Regressions (4)" in out                 # task score + its 3 languages
    assert "| pawsx | *(task score)* | 60.00 | 55.00 | **-5.00** |" in out
    assert "### Improvements (5)" in out                # task score + 4 languages
    assert "| udpos | *(task score)* | 70.00 | 72.50 | +2.50 |" in out
    assert "<details>" in out


def test_improvement_alone_passes(capsys, results, baseline):
    write_record(record("tatoeba", 75.0, variant="nli_en"), results)
    code, out, _ = run_check(capsys, results, baseline)
    assert code == 0 and "### Improvements (4)" in out and "✅ passed" in out


def test_missing_task_and_language_fail(capsys, results, baseline):
    record_path(results, record("bucc2018", 0.0)).unlink()
    partial = record("panx", 70.0, variant="nli_en")
    del partial.languages["ru"]
    write_record(partial, results)
    code, out, _ = run_check(capsys, results, baseline)
    assert code == 1
    missing = out.split("### Missing (2)")[1]
    assert "| baseline | tiny | bucc2018 | *(task score)* | 60.00 |  |  | no result for this task |" in missing
    assert "| nli\\_en | tiny | panx | ru | 70.00 |  |  | no result in this language |" in missing


def test_missing_system_fails_and_new_system_is_reported(capsys, results, baseline, tmp_path):
    for task in MINI.tasks:
        record_path(results, record(task, 0.0, variant="nli_en")).unlink()
        write_record(record(task, 65.0, variant="nli_de"), results)
    code, out, _ = run_check(capsys, results, baseline)
    assert code == 1
    assert "no results for this system (7 tasks in the baseline)" in out
    assert "### New (1)" in out and "new system (7 tasks)" in out


def test_new_task_passes(capsys, tmp_path):
    results = tmp_path / "results"
    write_record(record("xnli", 60.0), results)
    baseline = tmp_path / "baseline.json"
    assert harness_main(["check", "--results", str(results), "--baseline", str(baseline), "--update-baseline"]) == 0
    write_record(record("pawsx", 60.0), results)
    code, out, _ = run_check(capsys, results, baseline)
    assert code == 0 and "| pawsx | *(task score)* |  | 60.00 |  | new task |" in out


def test_report_file_matches_stdout(capsys, results, baseline, tmp_path):
    summary = tmp_path / "summary.md"
    write_record(record("xnli", 50.0), results)
    code, out, _ = run_check(capsys, results, baseline, "--report", str(summary))
    assert code == 1
    assert summary.read_text(encoding="utf-8") == out


def test_update_baseline_accepts_a_regression(capsys, results, baseline):
    write_record(record("xnli", 50.0), results)
    code, out, _ = run_check(capsys, results, baseline, "--update-baseline")
    assert code == 0 and "baseline updated" in out and "-10.00" in out
    assert json.loads(baseline.read_text())["systems"][0]["tasks"]["xnli"]["score"] == 50.0
    assert run_check(capsys, results, baseline)[0] == 0


@pytest.mark.parametrize("content, message", [
    ("{not json", "baseline.json:1:2: invalid JSON"),
    ('{"format": "something else"}', "not a score baseline"),
    ('{"format": "harness-score-baseline", "version": 1, "systems": [{"suite": "mini", "experiment": "mini", '
     '"variant": "baseline", "model": "tiny", "tasks": {"nosuch": {"score": 1, "languages": {}}}}]}',
     "unknown task 'nosuch'"),
    ('{"format": "harness-score-baseline", "version": 1, "systems": [{"suite": "mini", "experiment": "mini", '
     '"variant": "baseline", "model": "tiny", "tasks": {"xnli": {"score": NaN, "languages": {}}}}]}',
     "NaN is not a valid score"),
    ('{"format": "harness-score-baseline", "version": 1, "systems": [{"suite": "mini", "experiment": "mini", '
     '"variant": "baseline", "model": "tiny", "tasks": {"xnli": {"score": "high", "languages": {}}}}]}',
     "systems[0].tasks.xnli.score must be a finite number"),
])
def test_bad_baseline_exits_2(capsys, results, tmp_path, content, message):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(content)
    code, out, err = run_check(capsys, results, baseline)
    assert code == 2 and out == ""
    assert message in err


def test_missing_baseline_exits_2(capsys, results, tmp_path):
    code, _, err = run_check(capsys, results, tmp_path / "none.json")
    assert code == 2 and "baseline file not found" in err and "--update-baseline" in err


def test_unknown_task_in_results_exits_2(capsys, results, baseline):
    bad = record("xnli", 60.0)
    bad.task = "nosuch"
    write_record(bad, results)
    code, _, err = run_check(capsys, results, baseline)
    assert code == 2 and "unknown task 'nosuch'" in err


def test_negative_tolerance_and_empty_results_are_bad_input(tmp_path, baseline):
    with pytest.raises(HarnessError, match="--tolerance"):
        check(tmp_path, baseline, tolerance=-1)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(HarnessError) as err:
        check(empty, baseline)
    assert err.value.exit_code == 2


def test_names_from_results_are_escaped_in_markdown(capsys, tmp_path):
    results = tmp_path / "results"
    write_record(record("xnli", 60.0, model="a|b <script>x</script>"), results)
    baseline = tmp_path / "baseline.json"
    harness_main(["check", "--results", str(results), "--baseline", str(baseline), "--update-baseline"])
    assert [s.model for s in read_baseline(baseline, REGISTRY)] == ["a|b <script>x</script>"]
    record_path(results, record("xnli", 60.0, model="a|b <script>x</script>")).unlink()
    write_record(record("xnli", 60.0, model="other"), results)
    code, out, _ = run_check(capsys, results, baseline)
    assert code == 1
    assert "a\\|b &lt;script&gt;x&lt;/script&gt;" in out and "<script>" not in out
    assert escape("x_y*z") == "x\\_y\\*z"
