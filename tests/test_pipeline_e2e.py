"""The pipeline end to end on the mini suite with the tiny model: plan → train → evaluate →
records → leaderboard, then resume, on real (generated) files and real training."""

import json
import os
from pathlib import Path

import pytest

from harness.cli import main
from harness.results import load_records

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("mini")
    args = ["run", "--work-dir", str(root / "runs"), "--results-dir", str(root / "results"),
            "--site-dir", str(root / "site"), "--variants", "baseline", "nli_de",
            "--tasks", "xnli", "panx", "xquad", "tatoeba", "bucc2018", "--max-steps", "4", "--limit", "64"]
    assert main(args) == 0
    return root, args


def test_records_for_every_variant_and_task(smoke_run):
    root, _ = smoke_run
    records = load_records(root / "results")
    assert sorted((r.variant, r.task) for r in records) == sorted(
        (v, t) for v in ("baseline", "nli_de") for t in ("xnli", "panx", "xquad", "tatoeba", "bucc2018"))
    for record in records:
        assert record.publishable is False
        assert record.protocol["smoke_limits"] == {"limit": 64, "max_steps": 4}
        assert record.suite == "mini" and record.seed == 1 and record.model == "tiny"
        assert record.data_checksums and record.versions.get("torch")
        for metrics in record.languages.values():
            assert all(0.0 <= v <= 100.0 for v in metrics.values())
    xnli = next(r for r in records if r.task == "xnli" and r.variant == "nli_de")
    assert set(xnli.languages) == {"en", "de", "fr", "ru"}
    assert xnli.variant_family == "non_english" and xnli.protocol["intermediate"] == ["xnli_mt_de"]
    xquad = next(r for r in records if r.task == "xquad")
    assert set(xquad.languages["en"]) == {"exact_match", "f1"}


def test_predictions_rescore_to_the_recorded_numbers(smoke_run):
    """The XTREME-format files the run wrote give the same numbers through `harness score`."""
    root, _ = smoke_run
    record = next(r for r in load_records(root / "results") if r.task == "panx" and r.variant == "baseline")
    predictions = Path(record.protocol["predictions"])
    gold = predictions.parent / "seed1-gold"
    out = root / "rescored.json"
    assert main(["score", "--predictions", str(predictions), "--labels", str(gold), "--suite", "mini",
                 "--tasks", "panx", "--output", str(out)]) == 0
    rescored = json.loads(out.read_text())["tasks"]["panx"]["languages"]
    assert set(rescored) == set(record.languages)
    for lang, metrics in record.languages.items():
        assert rescored[lang] == pytest.approx(metrics)


def test_leaderboard_built(smoke_run):
    root, _ = smoke_run
    table = json.loads((root / "site" / "leaderboard.json").read_text())
    assert "baseline" in json.dumps(table) and "nli_de" in json.dumps(table)
    assert (root / "site" / "index.html").is_file()


def test_resume_keeps_finished_results_and_retrains_partial(smoke_run, capsys):
    root, args = smoke_run
    records = sorted((root / "results").rglob("*.result.json"))
    stamps = {p: p.stat().st_mtime_ns for p in records}
    checkpoints = root / "runs" / "checkpoints"
    # A run killed mid-training leaves a .partial folder and no record for that step.
    victim = next(p for p in records if p.name.startswith("xnli") and "nli_de" in str(p))
    target = Path(json.loads(victim.read_text())["protocol"]["checkpoint"])
    assert target.parent == checkpoints
    victim.unlink()
    os.rename(target, target.with_name(target.name + ".partial"))
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "kept from earlier runs" in err
    for path, stamp in stamps.items():
        if path != victim:
            assert path.stat().st_mtime_ns == stamp, f"{path} was rewritten"
    assert victim.is_file()
    assert not any(p.name.endswith(".partial") for p in checkpoints.iterdir())
