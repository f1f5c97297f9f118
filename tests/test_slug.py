"""`slug()`: file-name-safe names for record and prediction paths. Short names map exactly as
before (existing records keep their paths); over-long names are capped with a hash of the name."""

from __future__ import annotations

import re

import pytest

from harness.results import ResultRecord, load_records, write_record
from harness.results.store import SLUG_MAX, record_path, slug


def _old_slug(name: str) -> str:
    """The rule before the cap (harness/results/store.py up to 3f013aa), for comparison."""
    return re.sub(r"[^A-Za-z0-9._+-]+", "-", name.replace("/", "--")).strip("-") or "unnamed"


@pytest.mark.parametrize("name", [
    "xlm-roberta-base", "org/model", "FacebookAI/xlm-roberta-large", "nli_de", "a b/c", "", "ü-ñ", "x" * SLUG_MAX,
    "seed.1", "v1+2", ".hidden", "-lead-", "a" * (SLUG_MAX - 2) + "/"])
def test_short_names_map_as_before(name):
    assert slug(name) == _old_slug(name)


def test_long_names_are_capped_and_stay_distinct():
    a, b = "v" * 1_000_000 + "a", "v" * 1_000_000 + "b"
    assert len(slug(a)) == SLUG_MAX and slug(a) != slug(b) and slug(a) == slug(a)
    assert slug(a).startswith("v" * 100) and re.fullmatch(r"v+-[0-9a-f]{12}", slug(a))
    # the hash is of the name, so two names with one form once cut still differ
    assert slug("x" * 200 + " ") != slug("x" * 200 + "/")
    assert len(slug("x" * (SLUG_MAX + 1))) == SLUG_MAX


@pytest.mark.parametrize("name", [".", "..", "..."])
def test_dots_only_never_name_the_folder_or_its_parent(name):
    assert slug(name).strip(".") and slug(name) not in (".", "..") and "/" not in slug(name)


def test_a_record_with_megabyte_names_is_written_and_read_back(tmp_path):
    huge = "n" * 1_000_000
    record = ResultRecord(experiment=huge, variant=huge + "/x", model=huge + "/y", task="xnli",
                          languages={"en": {"accuracy": 50.0}}, seed=1, protocol={}, data_checksums={})
    path = write_record(record, tmp_path)
    assert path == record_path(tmp_path, record)
    assert all(len(part) <= SLUG_MAX for part in path.relative_to(tmp_path).parts[:-1])
    [back] = load_records(tmp_path)
    assert back.variant == huge + "/x" and back.model == huge + "/y"


def test_predictions_folders_follow_the_record_path(tmp_path):
    """Unchanged for spec names (mini/nli_de/<model>[.smoke]/seed1); a 1 MB variant name gets the
    record path's capped slug instead of a file name the file system refuses."""
    import dataclasses

    from harness.pipeline.execute import Executor
    from harness.pipeline.plan import RunSettings, build_plan
    from harness.spec import default_registry

    registry = default_registry()
    settings = RunSettings(work_dir=tmp_path / "work", results_dir=tmp_path / "results", variants=("nli_de",), limit=8)
    plan = build_plan(registry, settings, lambda task, language, split: f"{task}/{language}/{split}", "m")
    executor = Executor(plan, registry, tmp_path / "data")
    step = next(s for s in plan.steps if s.task == "xnli")
    model = slug(plan.model)
    assert executor.predictions_dir(step) == tmp_path / "work/predictions/mini/nli_de" / f"{model}.smoke" / "seed1"
    long = dataclasses.replace(step, variant="v" * 1_000_000)
    folder = executor.predictions_dir(long)
    variant = folder.parent.parent.name  # predictions/<experiment>/<variant>/<model>.smoke/seed1
    assert variant == slug("v" * 1_000_000) and len(variant) == SLUG_MAX
