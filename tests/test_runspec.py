"""The run spec: models as specs, one retrieval protocol for every variant, records v2, model
identity by content, plan-time validation and the plan's JSON round trip."""

import json
import shutil

import pytest

from harness.cli import main
from harness.errors import HarnessError
from harness.models.identity import folder_identity
from harness.pipeline.plan import RunSettings, build_plan
from harness.pipeline.records import build_record, is_done, step_record_path
from harness.pipeline.report import format_plan
from harness.pipeline.runspec import plan_from_json, plan_to_json
from harness.results import load_records, read_record, record_from_dict, write_record
from harness.spec import default_registry

REGISTRY = default_registry()
TEXTS = [f"the river {i} runs past the stone bridge near the old market {i % 7}" for i in range(60)]


def fake_checksum(task, language, split):
    return f"{task}/{language}/{split}"


# --------------------------------------------------------------------------- model specs


def test_declared_models_carry_xtreme_layers_and_e5_protocol():
    """XTREME (Hu et al. 2020): mBERT layer 8 of 12, XLM-R Large 14 of 24; e5: its last layer,
    mean pooling, "query: " (the multilingual E5 model card)."""
    assert REGISTRY.model("mbert").retrieval_protocol().layer == 8
    assert REGISTRY.model("xlm-roberta-large").retrieval_protocol().layer == 14
    e5 = REGISTRY.model("multilingual-e5-small").retrieval_protocol()
    # 512 tokens: the E5 model card ("truncated to at most 512 tokens"), also XTREME's MAXL=512
    assert (e5.layer, e5.pooling, e5.prefix, e5.max_length) == (12, "mean", "query: ", 512)
    assert REGISTRY.model("tiny").retrieval_protocol().layer == 1  # round(0.6 * 2)
    large = REGISTRY.model("xlmr-large")
    assert large.hyperparameters_for("xnli")["grad_accumulation"] == 16  # scripts/train_xnli.sh
    assert large.hyperparameters_for("udpos") == {}


def test_unknown_hub_id_gets_a_generic_spec_with_its_rule_recorded():
    spec = REGISTRY.model("someorg/some-encoder")
    assert spec.generic and spec.source.describe() == "hub:someorg/some-encoder"
    with pytest.raises(HarnessError, match="number of layers is unknown"):
        spec.retrieval_protocol()  # not cached offline: no config, so no layer without --layer
    assert spec.retrieval_protocol(layer=5).layer_rule == "given on the command line"


def test_model_spec_errors_name_file_and_key(tmp_path):
    from harness.models.specs import load_model_file

    bad = tmp_path / "m.yaml"
    bad.write_text("name: m\nsource: {hub: x/y}\nretrieval: {layr: 3}\n")
    with pytest.raises(HarnessError, match=r"m\.yaml: unknown key 'layr' in 'retrieval'"):
        load_model_file(bad)
    bad.write_text("name: m\nsource: {folder: /x, revision: abc}\n")
    with pytest.raises(HarnessError, match="revision' applies to hub models only"):
        load_model_file(bad)


# --------------------------------------------------------------------------- validation


def test_misspelt_hyperparameter_fails_at_plan_time_naming_option_and_keys(tmp_path, capsys):
    code = main(["run", "--dry-run", "--work-dir", str(tmp_path / "runs"), "--hp", "learnin_rate=1e-5"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--hp learnin_rate=1e-5: unknown hyperparameter 'learnin_rate'" in err
    assert "known: " in err and "learning_rate" in err
    assert not (tmp_path / "runs" / "checkpoints").exists()


def test_bad_value_of_a_known_hyperparameter_is_typed_at_plan_time():
    with pytest.raises(HarnessError, match="batch_size must be a whole number"):
        build_plan(REGISTRY, RunSettings(hp_overrides={"batch_size": 2.5}), fake_checksum, "id")


def test_dry_run_lists_every_missing_data_file_at_once(tmp_path, capsys):
    empty = tmp_path / "data"
    empty.mkdir()
    code = main(["run", "--dry-run", "--suite", "xtreme", "--data-dir", str(empty), "--tasks", "pawsx", "xnli",
                 "--work-dir", str(tmp_path / "runs")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1
    listed = [line for line in err.splitlines() if line.startswith("  ")]
    # PAWS-X: en train + 7 test languages; XNLI: MNLI train + 15 test languages; the baseline
    # needs no intermediate data, the other variants' intermediate tasks add more.
    assert len(listed) >= 2 + 7 + 15
    assert any("pawsx" in line and "'ja'" in line for line in listed)
    assert any("xnli" in line and "'sw'" in line for line in listed)
    assert f"{len(listed)} data files are missing" in err


def test_dry_run_says_an_offline_model_is_not_available(tmp_path, capsys):
    code = main(["run", "--dry-run", "--work-dir", str(tmp_path / "runs"), "--model", "xlm-roberta-large",
                 "--variants", "baseline", "--tasks", "tatoeba"])
    assert code == 2
    captured = capsys.readouterr()
    assert "NOT RUNNABLE" in captured.out and "not in the local Hugging Face cache" in captured.err
    assert "retrieval tatoeba: layer 14 (XTREME: XLM-R Large layer 14 of 24)" in captured.out


# --------------------------------------------------------------------------- serialization


def test_plan_round_trips_through_json_exactly(tmp_path):
    settings = RunSettings(data_dir=tmp_path, languages=("en", "de"), seeds=(1, 2), hp_overrides={"epochs": 1},
                           max_steps=3, layer=2, mining={"k": 4}, task_languages={"tatoeba": ("de",)})
    plan = build_plan(REGISTRY, settings, fake_checksum, "builder:tiny:abc")
    text = plan_to_json(plan)
    again = plan_from_json(text, REGISTRY)
    assert again == plan
    assert plan_to_json(again) == text
    assert again.steps[-1].retrieval == plan.steps[-1].retrieval is not None
    assert json.loads(text)["steps"][0]["kind"] == "model"


def test_plan_file_refuses_a_changed_suite():
    plan = build_plan(REGISTRY, RunSettings(), fake_checksum, "x")
    data = json.loads(plan_to_json(plan))
    data["suite"]["fingerprint"] = "0" * 64
    with pytest.raises(HarnessError, match="changed since the plan was made"):
        plan_from_json(json.dumps(data), REGISTRY)


# --------------------------------------------------------------------------- records v2


def test_records_carry_run_spec_and_run_class_and_smoke_never_overwrites_full(tmp_path):
    results = tmp_path / "results"
    full = build_plan(REGISTRY, RunSettings(results_dir=results, variants=("nli_de",)), fake_checksum, "m")
    smoke = build_plan(REGISTRY, RunSettings(results_dir=results, variants=("nli_de",), limit=8), fake_checksum, "m")
    step = next(s for s in full.steps if s.task == "xnli")
    smoke_step = next(s for s in smoke.steps if s.task == "xnli")
    assert (step.run_class, smoke_step.run_class) == ("full", "smoke")
    assert step_record_path(full, step) != step_record_path(smoke, smoke_step)
    record = build_record(full, step, {"en": {"accuracy": 50.0}}, {}, "", 1.0, data_dir=None)
    assert record.publishable and record.run_class == "full" and record.schema_version == 2
    spec = record.run_spec
    assert spec["key"] == step.key and spec["model"]["identity"] == "m"
    assert len(spec["hyperparameters"]) >= 19  # every hyperparameter as run, defaults filled in
    (upstream_model, intermediate) = spec["upstream"]
    assert upstream_model["kind"] == "model" and intermediate["tasks"] == ["xnli_mt_de"]
    assert intermediate["hyperparameters"]["xnli_mt_de"]["learning_rate"] > 0
    write_record(record, results)
    assert is_done(full, step) and not is_done(smoke, smoke_step)
    assert "[done]" in format_plan(full, done={s.key for s in full.steps if is_done(full, s)})
    smoke_record = build_record(smoke, smoke_step, {"en": {"accuracy": 10.0}}, {}, "", 1.0, data_dir=None)
    assert not smoke_record.publishable
    write_record(smoke_record, results)
    kept = read_record(step_record_path(full, step))
    assert kept.languages == {"en": {"accuracy": 50.0}} and kept.run_spec == json.loads(json.dumps(spec))
    assert sorted(r.run_class for r in load_records(results)) == ["full", "smoke"]


def test_partial_language_runs_are_their_own_class(tmp_path):
    plan = build_plan(REGISTRY, RunSettings(languages=("en", "de"), variants=("baseline",)), fake_checksum, "m")
    assert {s.run_class for s in plan.steps if s.kind == "target"} == {"partial"}


def test_version_1_records_still_load():
    v1 = {"schema_version": 1, "experiment": "e", "variant": "v", "model": "m", "task": "xnli",
          "languages": {"en": {"accuracy": 70.0}}, "protocol": {"smoke_limits": {"limit": 64, "max_steps": None}}}
    record = record_from_dict(v1)
    assert record.schema_version == 1 and record.run_class == "smoke" and record.run_spec == {}
    assert record_from_dict({**v1, "protocol": {}}).run_class == "full"


# --------------------------------------------------------------------------- model identity


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    from harness.models.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", TEXTS, vocab_size=120, hidden_size=16)


def test_a_copied_local_model_has_the_same_identity_and_keys(tiny_folder, tmp_path):
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(tiny_folder, copy, copy_function=shutil.copy)  # new modification times
    assert folder_identity(copy) == folder_identity(tiny_folder)

    from harness.pipeline.models import identity_of

    def plan_for(folder):
        spec = REGISTRY.model(str(folder))
        identity = identity_of(spec, REGISTRY.suite("mini"), fake_checksum, tmp_path / "runs")
        return build_plan(REGISTRY, RunSettings(model=str(folder), variants=("nli_de",)), fake_checksum, identity)

    first, second = plan_for(tiny_folder), plan_for(copy)
    assert [s.key for s in first.steps] == [s.key for s in second.steps]  # nothing retrains or re-embeds
    weights = next(copy.glob("*.safetensors"))
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    assert folder_identity(copy) != folder_identity(tiny_folder)


def test_ls_models_lists_the_declared_protocols(capsys):
    assert main(["ls", "models"]) == 0
    out = capsys.readouterr().out
    assert "mbert" in out and "retrieval layer 8" in out and "prefix 'query: '" in out


def test_run_writes_a_plan_file_that_reads_back_equal(tmp_path, capsys):
    from harness.pipeline.runspec import read_plan

    plan_file = tmp_path / "plan.json"
    assert main(["run", "--dry-run", "--work-dir", str(tmp_path / "runs"), "--variants", "baseline",
                 "--tasks", "tatoeba", "--plan-file", str(plan_file)]) == 0
    out = capsys.readouterr().out
    plan = read_plan(plan_file, REGISTRY)
    assert [s.kind for s in plan.steps] == ["model", "retrieval"]
    assert all(f"[{s.key}]" in out for s in plan.steps)
    assert plan.model_spec.name == "tiny" and plan.model_identity.startswith("builder:tiny:")


def test_model_recipe_changes_apply_between_task_and_suite():
    """XLM-R Large trains XNLI at per-device batch 2 x 16 accumulation (XTREME's train_xnli.sh)."""
    settings = RunSettings(suite="xtreme", model="xlmr-large", variants=("baseline",), tasks=("xnli", "udpos"))
    plan = build_plan(REGISTRY, settings, fake_checksum, "hub:xlm-roberta-large@x")
    hp = {s.task: s.hyperparameters for s in plan.of_kind("target")}
    assert (hp["xnli"]["batch_size"], hp["xnli"]["grad_accumulation"]) == (2, 16)
    assert hp["udpos"]["batch_size"] == REGISTRY.task("udpos").hyperparameters["batch_size"]
    assert plan.model == "xlmr-large"
