"""Planning: content keys, reuse of intermediate checkpoints, smoke-run marking, dry runs."""


import pytest

from harness.cli import main
from harness.errors import HarnessError
from harness.pipeline.plan import RunSettings, build_plan
from harness.spec import default_registry

REGISTRY = default_registry()


def fake_checksum(task: str, language: str, split: str) -> str:
    return f"{task}/{language}/{split}"


def plan_for(**settings):
    return build_plan(REGISTRY, RunSettings(**settings), fake_checksum, "fingerprint")


def test_mini_plan_shape_and_intermediate_reuse():
    plan = plan_for()
    kinds = [s.kind for s in plan.steps]
    assert kinds[0] == "model"
    assert kinds.count("intermediate") == 3  # nli_en, nli_de, multitask; baseline has none
    variants = REGISTRY.experiment("mini").variants
    assert kinds.count("target") == 5 * len(variants)
    assert kinds.count("retrieval") == 2 * len(variants)
    nli_de = next(s for s in plan.steps if s.kind == "intermediate" and s.variant == "nli_de")
    users = [s for s in plan.steps if s.upstream == nli_de.key]
    assert {s.task for s in users} == {"xnli", "pawsx", "udpos", "panx", "xquad", "bucc2018", "tatoeba"}
    assert len({s.key for s in plan.steps}) == len(plan.steps)


def test_keys_are_stable_and_content_sensitive():
    first, again = plan_for(), plan_for()
    assert [s.key for s in first.steps] == [s.key for s in again.steps]
    other_seed = plan_for(seeds=(2,))
    assert first.steps[0].key == other_seed.steps[0].key  # the model does not depend on the seed
    shared = {s.label for s in first.steps[1:]} & {s.label for s in other_seed.steps[1:]}
    assert not shared
    same_key = {s.label for s in first.steps[1:] if s.key in {o.key for o in other_seed.steps}}
    # Only retrieval over the untouched encoder is the same computation whatever the seed.
    assert same_key == {"baseline seed 1: bucc2018 retrieval", "baseline seed 1: tatoeba retrieval"}
    smoke = plan_for(max_steps=5)
    assert not smoke.settings.publishable
    assert first.of_kind("target")[0].key != smoke.of_kind("target")[0].key
    lr = plan_for(hp_overrides={"learning_rate": 1e-4})
    assert lr.of_kind("target")[0].hyperparameters["learning_rate"] == 1e-4
    assert lr.of_kind("target")[0].key != first.of_kind("target")[0].key


def test_data_change_changes_only_dependent_keys():
    def changed(task, language, split):
        return "new" if (task, language) == ("pawsx", "de") else fake_checksum(task, language, split)

    base = plan_for()
    other = build_plan(REGISTRY, RunSettings(), changed, "fingerprint")
    differing = {a.label for a, b in zip(base.steps, other.steps, strict=True) if a.key != b.key}
    assert differing and all("pawsx" in label for label in differing)


def test_hyperparameter_layers():
    plan = plan_for(hp_overrides={"epochs": 1}, max_steps=7)
    hp = plan.of_kind("target")[0].hyperparameters
    assert hp["batch_size"] == 16  # mini suite override of the task's 32
    assert hp["epochs"] == 1 and hp["max_steps"] == 7


def test_unknown_selection_is_refused():
    with pytest.raises(HarnessError, match="no variant 'nope'"):
        plan_for(variants=("nope",))
    with pytest.raises(HarnessError, match="'mlqa' is not in suite 'mini'"):
        plan_for(tasks=("mlqa",))


def test_dry_run_on_mini_data(tmp_path, capsys):
    code = main(["run", "--dry-run", "--work-dir", str(tmp_path / "runs"), "--variants", "baseline", "nli_de"])
    assert code == 0
    out = capsys.readouterr().out  # the plan is the command's output (logs stay on stderr)
    assert "plan: suite mini, experiment mini, model tiny" in out
    assert "intermediate xnli_mt_de" in out
    assert not (tmp_path / "runs" / "checkpoints").exists()


def test_missing_data_fails_before_training(tmp_path, capsys):
    empty = tmp_path / "data"
    empty.mkdir()
    code = main(["run", "--dry-run", "--suite", "xtreme", "--data-dir", str(empty), "--tasks", "pawsx"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "pawsx" in err
