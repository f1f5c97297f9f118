"""CCG: one split, one label rule, the same head labels in single-task and multi-task training.

jiant's export (scripts/ccg/ccg_proc.py) is the reference layout: WSJ sections 00-18 / 19-21 /
22-24, one sentence per line, tokens<TAB>supertags. Its 1,363-tag numbering is derived from the
licensed data and not public, so the head's labels are the training split's tags, sorted, by
one rule that both training paths call (tasks/intermediate/ccg.yaml says so).
"""

from types import SimpleNamespace

import pytest

from harness.data import sources
from harness.pipeline.execute import Executor
from harness.spec import default_registry
from harness.tasktypes import task_type_of

TRAIN = (
    "Anna sleeps .\tN S[dcl]\\NP .\n"
    "Pierre Vinken , 61 years old , will join\tN/N N , N/N N (S[adj]\\NP)\\NP , (S[dcl]\\NP)/(S[b]\\NP) S[b]\\NP\n"
)
TAGS = sorted({"N", "S[dcl]\\NP", ".", "N/N", ",", "(S[adj]\\NP)\\NP", "(S[dcl]\\NP)/(S[b]\\NP)", "S[b]\\NP"})


@pytest.fixture
def ccg_data(tmp_path):
    (tmp_path / "data" / "ccg").mkdir(parents=True)
    (tmp_path / "data" / "ccg" / "ccg.train.tsv").write_text(TRAIN, encoding="utf-8")
    (tmp_path / "data" / "ccg" / "ccg.dev.tsv").write_text("Bob sleeps .\tN S[dcl]\\NP .\n", encoding="utf-8")
    return tmp_path / "data"


def test_spec_names_the_split_and_the_label_rule():
    spec = default_registry().task("ccg")
    assert "00-18" in spec.description and "19-21" in spec.description and "22-24" in spec.description
    assert "training split" in spec.description and not spec.sizes


def test_labels_from_the_training_split(ccg_data):
    spec = default_registry().task("ccg")
    train = sources.load_split(ccg_data, "ccg", "en", "train")
    assert len(train) == 2 and train[1].tags[5] == "(S[adj]\\NP)\\NP"
    assert task_type_of(spec).labels(spec, train) == TAGS


def test_single_and_multitask_heads_get_the_same_labels(ccg_data, tmp_path, monkeypatch):
    """The executor's two intermediate paths (xstilts' `ccg` and `multitask` variants)."""
    pytest.importorskip("torch")
    import harness.pipeline.execute as execute
    import harness.train.heads as heads
    import harness.train.multitask as multitask

    registry = default_registry()
    spec = registry.task("ccg")
    seen: dict[str, list[str]] = {}
    monkeypatch.setattr(multitask, "train_multitask",
                        lambda encoder, tasks, *a, **k: seen.update(multi=tasks[0][3]))
    monkeypatch.setattr(type(task_type_of(spec)), "train",
                        lambda self, *a, labels, **k: seen.update(single=labels))
    monkeypatch.setattr(heads, "save_encoder_only", lambda *a: None)
    monkeypatch.setattr(execute, "_remove_tree", lambda *a: None)
    settings = SimpleNamespace(work_dir=tmp_path / "work", limit=None, deepspeed=None, max_steps=None)
    plan = SimpleNamespace(settings=settings, suite=registry.suite("xtreme"))
    executor = Executor(plan, registry, ccg_data)
    for mode in ("single", "multitask"):
        step = SimpleNamespace(tasks=("ccg",), mode=mode, seed=1, upstream="model",
                               hyperparameters={"ccg": spec.hyperparameters})
        executor.encoders["model"] = tmp_path / "encoder"
        executor.train_intermediate(step, tmp_path / f"out-{mode}")
    assert seen["single"] == seen["multi"] == TAGS
