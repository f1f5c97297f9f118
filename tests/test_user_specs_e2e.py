"""Issue 10's "done when": a task declared in YAML alone runs end to end.

A user's spec folder (``--tasks-dir``) holds a renamed copy of ``tasks/xtreme/xnli.yaml``, a
renamed copy of ``tasks/intermediate/mnli.yaml`` (nested, to show the folder is read
recursively), a suite and an experiment using them. ``harness run`` trains, predicts, scores,
records and publishes them on the mini data with the tiny model, touching no file of the
repository. The built-in ``xnli``/``nli_en`` run with the same settings in the same work
folder is the reference: the data is identical, so the trained weights and every recorded
number must be too (only names and content keys differ).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.results import load_records
from harness.spec import TASKS_DIR, default_registry

pytestmark = pytest.mark.slow

SMOKE = ["--max-steps", "4", "--limit", "64"]
RETRIEVAL = ("tatoeba", "bucc2018")


def _renamed(source: Path, target: Path, replacements: dict[str, str]) -> None:
    """Copy a built-in spec, changing only the given whole lines (each must be present)."""
    text = source.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert f"\n{old}\n" in f"\n{text}", f"{source}: no line {old!r}"
        text = f"\n{text}".replace(f"\n{old}\n", f"\n{new}\n", 1)[1:]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _user_specs(root: Path) -> Path:
    _renamed(TASKS_DIR / "xtreme/xnli.yaml", root / "xnli_copy.yaml",
             {"name: xnli": "name: xnli_copy", "title: XNLI": "title: XNLI (copy)"})
    _renamed(TASKS_DIR / "intermediate/mnli.yaml", root / "custom/nested/mnli_copy.yaml",
             {"name: mnli": "name: mnli_copy"})
    for task in RETRIEVAL:  # retrieval tasks take the same path (scored from embeddings, no training)
        _renamed(TASKS_DIR / f"xtreme/{task}.yaml", root / f"retrieval/{task}_copy.yaml",
                 {f"name: {task}": f"name: {task}_copy"})
    # A suite lives under suites/ and an experiment under experiments/ (harness/spec.py
    # SUITE_FOLDERS, EXPERIMENT_FOLDERS); everything else at any depth is a task.
    _renamed(TASKS_DIR / "suites/mini.yaml", root / "suites/mini_copy.yaml",
             {"name: mini": "name: mini_copy", "tasks: [xnli, pawsx, udpos, panx, xquad, bucc2018, tatoeba]":
              "tasks: [xnli_copy, tatoeba_copy, bucc2018_copy]", "experiment: mini": "experiment: mini_copy"})
    (root / "experiments").mkdir()
    (root / "experiments/mini_copy.yaml").write_text(
        "name: mini_copy\n"
        "description: The mini experiment's baseline and English NLI variant, with MNLI renamed.\n"
        "variants:\n"
        "  - {name: baseline, family: baseline, intermediate: []}\n"
        "  - {name: nli_en_copy, family: english, intermediate: [mnli_copy]}\n", encoding="utf-8")
    return root


def _harness(*args: str) -> subprocess.CompletedProcess:
    """The installed CLI in a fresh process, as a user runs it (no registry state shared with pytest)."""
    env = {k: v for k, v in os.environ.items() if k != "HARNESS_TASKS_DIR"}
    env.update(OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, env=env,
                          cwd=TASKS_DIR.parent, timeout=900)
    assert done.returncode == 0, f"harness {' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("user-specs")
    specs = _user_specs(root / "specs")
    builtin_specs = _digest(TASKS_DIR)
    work = ["--work-dir", str(root / "runs")]
    _harness("--tasks-dir", str(specs), "run", "--suite", "mini_copy", "--variants", "baseline", "nli_en_copy",
             *work, "--results-dir", str(root / "user-results"), "--site-dir", str(root / "user-site"), *SMOKE)
    _harness("run", "--suite", "mini", "--tasks", "xnli", *RETRIEVAL, "--variants", "baseline", "nli_en",
             *work, "--results-dir", str(root / "builtin-results"), "--site-dir", str(root / "builtin-site"), *SMOKE)
    assert _digest(TASKS_DIR) == builtin_specs, "the run needed or made a change to the built-in specs"
    return root, specs


def _records(folder: Path) -> dict[tuple[str, str], object]:
    return {(r.variant, r.task): r for r in load_records(folder)}


def _weights(record) -> str:
    return hashlib.sha256((Path(record.protocol["checkpoint"]) / "model.safetensors").read_bytes()).hexdigest()


def test_user_tasks_are_listed_only_with_their_folder(runs):
    _, specs = runs
    mine = _harness("--tasks-dir", str(specs), "ls", "tasks").stdout.splitlines()
    builtin = _harness("ls", "tasks").stdout.splitlines()
    assert any(line.split()[:2] == ["xnli_copy", "target"] for line in mine)
    assert any(line.split()[:2] == ["mnli_copy", "intermediate"] for line in mine)  # found in custom/nested/
    assert not any(line.split()[:1] in (["xnli_copy"], ["mnli_copy"]) for line in builtin)
    assert "xnli_copy" not in default_registry().tasks  # nothing was added to this process's built-in specs


def test_copied_target_task_is_trained_predicted_scored_and_recorded(runs):
    root, _ = runs
    user, builtin = _records(root / "user-results"), _records(root / "builtin-results")
    assert set(user) == {(v, f"{t}_copy") for v in ("baseline", "nli_en_copy") for t in ("xnli", *RETRIEVAL)}
    copy, original = user["baseline", "xnli_copy"], builtin["baseline", "xnli"]
    assert copy.suite == "mini_copy" and copy.experiment == "mini_copy" and copy.run_class == "smoke"
    predictions = Path(copy.protocol["predictions"]) / "xnli_copy"
    assert sorted(p.name for p in predictions.iterdir()) == [f"test-{lang}.tsv" for lang in ("de", "en", "fr", "ru")]
    # Same data, same settings: the same fine-tuned weights, predictions and numbers.
    assert _weights(copy) == _weights(original)
    original_predictions = Path(original.protocol["predictions"]) / "xnli"
    for path in predictions.iterdir():
        assert path.read_bytes() == (original_predictions / path.name).read_bytes()
    assert copy.languages == original.languages and set(copy.languages) == {"en", "de", "fr", "ru"}
    assert copy.data_checksums == original.data_checksums
    assert copy.run_spec["hyperparameters"] == original.run_spec["hyperparameters"]
    assert copy.run_spec["key"] != original.run_spec["key"]  # a step of its own, not xnli's reused


def test_copied_target_task_is_on_the_leaderboard(runs):
    root, _ = runs
    site = root / "user-site"
    board = json.loads((site / "leaderboard.json").read_text(encoding="utf-8"))
    assert "xnli_copy" in json.dumps(board)
    page = site / "mini_copy" / "tasks" / "xnli_copy.html"
    assert page.is_file()
    assert "XNLI (copy)" in page.read_text(encoding="utf-8")  # the title from the user's spec


def test_copied_intermediate_task_is_recorded_with_its_data(runs):
    root, _ = runs
    copy = _records(root / "user-results")["nli_en_copy", "xnli_copy"]
    original = _records(root / "builtin-results")["nli_en", "xnli"]
    assert copy.protocol["intermediate"] == ["mnli_copy"] and copy.variant_family == "english"
    (step,) = [u for u in copy.run_spec["upstream"] if u["kind"] == "intermediate"]
    (reference,) = [u for u in original.run_spec["upstream"] if u["kind"] == "intermediate"]
    assert step["tasks"] == ["mnli_copy"] and reference["tasks"] == ["mnli"]
    # The mini MNLI file, read through the copied spec's own data.splits.
    assert list(step["data_checksums"]) == ["mnli/multinli_1.0/multinli_1.0_train.jsonl"]
    assert step["data_checksums"] == reference["data_checksums"]
    assert step["hyperparameters"]["mnli_copy"] == reference["hyperparameters"]["mnli"]
    assert step["key"] != reference["key"]
    # Intermediate training on the same data then fine-tuning gives the same weights and numbers.
    assert _weights(copy) == _weights(original) != _weights(_records(root / "user-results")["baseline", "xnli_copy"])
    assert copy.languages == original.languages


@pytest.mark.parametrize("task", RETRIEVAL)
def test_copied_retrieval_task_reads_its_own_spec(runs, task):
    """Embedded, searched or mined and scored as the built-in task, recorded under the copy's name."""
    root, _ = runs
    user, builtin = _records(root / "user-results"), _records(root / "builtin-results")
    for variant, reference in (("baseline", "baseline"), ("nli_en_copy", "nli_en")):
        copy, original = user[variant, f"{task}_copy"], builtin[reference, task]
        assert copy.languages and copy.languages == original.languages
        assert copy.data_checksums == original.data_checksums
        assert copy.run_spec["retrieval"] == original.run_spec["retrieval"]
        # (retrieval records name no predictions folder; the executor's layout is <experiment>/<variant>/...)
        written = root / "runs" / "predictions" / "mini_copy" / variant / "tiny.smoke" / "seed1" / f"{task}_copy"
        assert sorted(p.name for p in written.iterdir()) == [f"test-{lang}.tsv" for lang in ("de", "fr", "ru")]
    assert (root / "user-site" / "mini_copy" / "tasks" / f"{task}_copy.html").is_file()
