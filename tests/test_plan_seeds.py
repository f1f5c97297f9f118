"""With several seeds, a step that neither trains nor depends on a seed is planned once.

The baseline variant has no intermediate training, so its retrieval steps (embedding the
model as it is) are the same for every seed: listing them per seed would count, run and show
one measurement three times (issue 11, item 5).
"""

from harness.pipeline.plan import RunSettings, build_plan
from harness.spec import default_registry


def fake_checksum(task: str, language: str, split: str) -> str:
    return f"{task}/{language}/{split}"


def test_baseline_retrieval_is_planned_once_across_seeds():
    registry = default_registry()
    plan = build_plan(registry, RunSettings(seeds=(1, 2, 3)), fake_checksum, "fingerprint")
    retrieval = [s for s in plan.steps if s.kind == "retrieval"]
    baseline = [s for s in retrieval if s.variant == "baseline"]
    assert sorted(s.task for s in baseline) == ["bucc2018", "tatoeba"]
    trained = [v for v in registry.experiment("mini").variants if v.intermediate]
    assert len(retrieval) == len(baseline) + 2 * 3 * len(trained)  # a trained encoder per seed
    assert len({s.key for s in plan.steps}) == len(plan.steps)
    # the baseline's fine-tuned target tasks still run once per seed
    targets = [s for s in plan.steps if s.kind == "target" and s.variant == "baseline"]
    assert sorted({s.seed for s in targets}) == [1, 2, 3]
