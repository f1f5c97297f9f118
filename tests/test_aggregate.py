"""XTREME aggregation: task scores, group and overall only when every member is present."""

import pytest

from harness.results import ResultRecord, aggregate, aggregate_records
from harness.spec import default_registry

REGISTRY = default_registry()
XTREME = REGISTRY.suite("xtreme")


def full_languages(task: str, value: float, metrics=None) -> dict:
    spec = REGISTRY.task(task)
    keys = metrics or spec.metric_keys
    return {lang: {k: value for k in keys} for lang in spec.languages}


def test_qa_score_is_mean_of_em_and_f1():
    languages = {lang: {"exact_match": 40.0, "f1": 60.0} for lang in REGISTRY.task("mlqa").languages}
    sheet = aggregate({"mlqa": languages}, XTREME, REGISTRY)
    assert sheet["tasks"]["mlqa"]["score"] == 50.0
    assert sheet["tasks"]["mlqa"]["metrics"] == {"exact_match": 40.0, "f1": 60.0}


def test_group_needs_every_member():
    sheet = aggregate({"xnli": full_languages("xnli", 80.0)}, XTREME, REGISTRY)
    assert "classification" not in sheet["groups"]
    assert sheet["overall"] == {}
    sheet = aggregate({"xnli": full_languages("xnli", 80.0), "pawsx": full_languages("pawsx", 90.0)}, XTREME, REGISTRY)
    assert sheet["groups"]["classification"]["score"] == 85.0
    assert sheet["groups"]["classification"]["partial"] is False
    assert sheet["overall"] == {}


def test_overall_mean_over_tasks_and_over_groups():
    values = {"pawsx": 90.0, "xnli": 80.0, "panx": 60.0, "udpos": 70.0, "bucc2018": 50.0, "tatoeba": 40.0,
              "xquad": 30.0, "mlqa": 20.0, "tydiqa": 10.0}
    per_task = {task: full_languages(task, v) for task, v in values.items()}
    sheet = aggregate(per_task, XTREME, REGISTRY)
    assert sheet["overall"]["mean_over_tasks"] == pytest.approx(50.0)
    # groups: 85, 65, 20 (QA), 45 → mean 53.75
    assert sheet["groups"]["question_answering"]["score"] == pytest.approx(20.0)
    assert sheet["overall"]["mean_over_groups"] == pytest.approx(53.75)
    assert sheet["partial"] is False


def test_missing_language_marks_task_and_group_partial():
    xnli = full_languages("xnli", 80.0)
    del xnli["sw"]
    xnli["en"] = {"accuracy": 94.0}
    sheet = aggregate({"xnli": xnli, "pawsx": full_languages("pawsx", 90.0)}, XTREME, REGISTRY)
    task = sheet["tasks"]["xnli"]
    assert task["complete"] is False and task["missing_languages"] == ["sw"]
    assert task["score"] == pytest.approx((80.0 * 13 + 94.0) / 14)
    assert sheet["groups"]["classification"]["partial"] is True
    assert sheet["partial"] is True


def test_suite_languages_cut_the_task():
    mini = REGISTRY.suite("mini")
    languages = {"en": {"accuracy": 90.0}, "de": {"accuracy": 70.0}, "fr": {"accuracy": 60.0},
                 "ru": {"accuracy": 40.0}, "zh": {"accuracy": 0.0}}
    sheet = aggregate({"xnli": languages}, mini, REGISTRY)
    assert sheet["tasks"]["xnli"]["score"] == pytest.approx(65.0)
    assert sheet["tasks"]["xnli"]["ignored_languages"] == ["zh"]


def test_seeds_are_averaged_with_spread():
    records = [
        ResultRecord("e", "v", "m", "xnli", full_languages("xnli", value), seed=seed)
        for seed, value in ((1, 70.0), (2, 74.0), (3, 78.0))
    ]
    (sheet,) = aggregate_records(records, XTREME, REGISTRY)
    assert sheet["tasks"]["xnli"]["score"] == pytest.approx(74.0)
    assert sheet["spread"]["tasks"]["xnli"]["n"] == 3
    assert sheet["spread"]["tasks"]["xnli"]["std"] == pytest.approx(4.0)
    assert sheet["seeds"] == [1, 2, 3]
