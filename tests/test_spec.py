"""Spec loading: the shipped specs, and every validation error naming file and key."""

import shutil
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.spec import TASKS_DIR, load_registry


@pytest.fixture
def tasks_copy(tmp_path: Path) -> Path:
    target = tmp_path / "tasks"
    shutil.copytree(TASKS_DIR, target)
    return target


def test_shipped_specs_have_xtremes_languages():
    registry = load_registry()
    expected = {"xnli": 15, "pawsx": 7, "udpos": 33, "panx": 40, "xquad": 11, "mlqa": 7, "tydiqa": 9,
                "bucc2018": 4, "tatoeba": 36}
    assert {t.name: len(t.languages) for t in registry.target_tasks()} == expected
    assert registry.task("bucc2018").languages == ("de", "fr", "ru", "zh")
    assert registry.task("xnli").train_source == "mnli"
    assert registry.task("xquad").train_source == registry.task("mlqa").train_source == "squad_v1"
    assert registry.task("tatoeba").train_source is None
    groups = {t.name: t.group for t in registry.target_tasks()}
    assert groups["udpos"] == groups["panx"] == "structured_prediction"


def test_intermediate_tasks_of_the_reference_study_and_expansion():
    registry = load_registry()
    for name in ("anli", "mnli", "qqp", "squad_v1", "squad_v2", "hellaswag", "ccg", "cosmosqa", "commonsenseqa", "mlm"):
        assert registry.task(name).role == "intermediate"
    german = registry.task("xnli_mt_de")
    assert german.languages == ("de",) and "German" in german.description
    assert len([n for n in registry.tasks if n.startswith("xnli_mt_") and n != "xnli_mt_mix"]) == 14
    families = {v.family for v in registry.experiment("xstilts").variants}
    assert families == {"baseline", "english", "non_english", "control"}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("file, old, new, message", [
    ("xtreme/xnli.yaml", "metric: accuracy", "metric: accuracy\nmetrik: f1", "xnli.yaml: unknown key 'metrik'"),
    ("xtreme/pawsx.yaml", "[de, en,", "[de, jp,", "pawsx.yaml: key 'languages': unknown language 'jp'"),
    ("xtreme/xnli.yaml", "metric: accuracy", "metric: bleu", "xnli.yaml: key 'metric' is 'bleu'"),
    ("xtreme/pawsx.yaml", "name: pawsx", "name: xnli", "duplicate task name 'xnli'"),
    ("suites/mini.yaml", "tasks: [xnli,", "tasks: [xnlii,", "mini.yaml: key 'tasks' names unknown task 'xnlii'"),
    ("experiments/mini.yaml", "intermediate: [mnli]", "intermediate: [mnlii]", "unknown intermediate task 'mnlii'"),
    ("experiments/mini.yaml", "name: nli_de,", "name: nli_en,", "duplicate variant name 'nli_en'"),
    ("xtreme/xnli.yaml", "train_source: mnli", "train_source: multinli", "xnli.yaml: key 'train_source' names unknown task"),
])
def test_validation_errors_name_file_and_key(tasks_copy, file, old, new, message):
    _edit(tasks_copy / file, old, new)
    with pytest.raises(HarnessError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_registry(tasks_copy)


def test_invalid_yaml_names_the_file(tasks_copy):
    (tasks_copy / "suites" / "broken.yaml").write_text("name: [unclosed\n")
    with pytest.raises(HarnessError, match=r"broken.yaml: invalid YAML"):
        load_registry(tasks_copy)
