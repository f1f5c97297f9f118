"""`data:` in task YAML is live: a renamed copy of a spec reads its data with no Python change.

Also: user spec folders add to the built-in ones (recursively, duplicates named with both
files), and unknown readers, layouts, placeholders and keys fail at load naming file and key.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness import spec as spec_module
from harness.data import sources
from harness.data.examples import PairExample
from harness.data.mini import build_mini_data
from harness.errors import HarnessError
from harness.spec import TASKS_DIR, load_registry


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    return build_mini_data(tmp_path_factory.mktemp("mini"))


def _copy_spec(source: Path, target: Path, old_name: str, new_name: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    text = source.read_text(encoding="utf-8")
    assert f"name: {old_name}\n" in text
    target.write_text(text.replace(f"name: {old_name}\n", f"name: {new_name}\n", 1), encoding="utf-8")
    return target


@pytest.fixture
def user_tasks(tmp_path) -> Path:
    """A user's spec folder: a renamed XNLI and a renamed MNLI, nested one level down."""
    root = tmp_path / "my-tasks"
    _copy_spec(TASKS_DIR / "xtreme/xnli.yaml", root / "custom/xnli_again.yaml", "xnli", "xnli_again")
    _copy_spec(TASKS_DIR / "intermediate/mnli.yaml", root / "custom/nested/mnli_again.yaml", "mnli", "mnli_again")
    return root


@pytest.fixture
def env_tasks(user_tasks, monkeypatch):
    """HARNESS_TASKS_DIR pointing at the user folder, with the process-wide registry reloaded."""
    monkeypatch.setenv("HARNESS_TASKS_DIR", str(user_tasks))
    spec_module.default_registry.cache_clear()
    yield user_tasks
    monkeypatch.delenv("HARNESS_TASKS_DIR")
    spec_module.default_registry.cache_clear()


def test_renamed_target_and_intermediate_specs_read_the_same_data(mini, env_tasks):
    registry = spec_module.default_registry()
    assert {"xnli", "xnli_again", "mnli", "mnli_again"} <= set(registry.tasks)  # added, not replaced
    assert registry.task("xnli_again").source_file.endswith("custom/xnli_again.yaml")
    for split in ("dev", "test"):
        for lang in ("de", "en"):
            again = sources.load_split(mini, "xnli_again", lang, split)
            assert again == sources.load_split(mini, "xnli", lang, split) and isinstance(again[0], PairExample)
            assert sources.data_checksum(mini, "xnli_again", lang, split) == sources.data_checksum(mini, "xnli", lang, split)
    assert sources.load_split(mini, "xnli_again", "en", "train") == sources.load_split(mini, "mnli", "en", "train")
    assert sources.available_languages(mini, "xnli_again", "test") == sources.available_languages(mini, "xnli", "test")
    assert sources.load_split(mini, "mnli_again", "en", "train") == sources.load_split(mini, "mnli", "en", "train")
    with pytest.raises(HarnessError, match="no train split in language 'de'"):
        sources.load_split(mini, "xnli_again", "de", "train")


def test_a_spec_object_needs_no_registry_lookup(mini, user_tasks):
    registry = load_registry(extra_dirs=[user_tasks])
    task = registry.task("xnli_again")
    assert sources.load_split(mini, task, "fr", "dev") == sources.load_split(mini, "xnli", "fr", "dev")


def test_add_tasks_dirs_is_what_the_cli_calls(user_tasks, monkeypatch):
    monkeypatch.setattr(spec_module, "_added_dirs", [])
    spec_module.add_tasks_dirs([user_tasks])
    try:
        assert "mnli_again" in spec_module.default_registry().tasks
    finally:
        spec_module._added_dirs.clear()
        spec_module.default_registry.cache_clear()
    with pytest.raises(HarnessError, match="--tasks-dir .*nowhere: folder not found"):
        spec_module.add_tasks_dirs([user_tasks / "nowhere"])


def test_duplicate_names_across_folders_name_both_files(user_tasks):
    _copy_spec(TASKS_DIR / "xtreme/pawsx.yaml", user_tasks / "pawsx.yaml", "pawsx", "pawsx")
    with pytest.raises(HarnessError, match=r"my-tasks/pawsx.yaml: duplicate task name 'pawsx' \(already defined in .*xtreme/pawsx.yaml\)"):
        load_registry(extra_dirs=[user_tasks])


def _broken(user_tasks: Path, old: str, new: str) -> None:
    path = user_tasks / "custom/xnli_again.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("old, new, message", [
    ("reader: xnli_raw_tsv", "reader: xnli_raw", r"xnli_again.yaml: data.splits.dev\[1\].reader: unknown reader 'xnli_raw'; known readers: .*xnli_raw_tsv"),
    ("args: {label_kind: nli}}\n    test", "args: {label_kinds: nli}}\n    test", r"data.splits.dev\[2\].args: reader 'xtreme_pair_tsv' takes no argument 'label_kinds'"),
    ("{split}-{lang}.tsv\", reader: xtreme_pair_tsv", "{split}-{language}.tsv\", reader: xtreme_pair_tsv", r"data.splits.dev\[0\].files: unknown placeholder \{language\}"),
    ("  splits:", "  layouts: {}\n  splits:", r"xnli_again.yaml: key 'data.layouts': unknown key"),
    ("    dev: &xnli_eval", "    validation: [{task: xnli}]\n    dev: &xnli_eval", r"key 'data.splits.validation': unknown split"),
    ("{task: mnli, split: train, languages: [en]}", "{task: multinli, split: train}", r"data.splits.train\[2\]: key 'task' names unknown task 'multinli'"),
    ("{task: mnli, split: train, languages: [en]}", "{layout: premise_half, of: {task: mnli}}", r"data.splits.train\[2\].layout: unknown layout 'premise_half'; known layouts: premise_share"),
    ("{task: mnli, split: train, languages: [en]}", "{task: mnli, reader: nli_jsonl}", r"data.splits.train\[2\]: unknown key 'reader'"),
    ("{task: mnli, split: train, languages: [en]}", "{files: ../outside.tsv, reader: nli_jsonl}", r"must be relative to the data folder"),
])
def test_bad_data_specs_fail_at_load_naming_file_and_key(user_tasks, old, new, message):
    _broken(user_tasks, old, new)
    with pytest.raises(HarnessError, match=message):
        load_registry(extra_dirs=[user_tasks])


def test_every_shipped_task_declares_where_each_split_lies():
    registry = load_registry()
    for task in registry.tasks.values():
        assert task.data_layout is not None and task.data_layout.splits, task.name
    titles = {t.name: t.display_title for t in registry.target_tasks()}
    assert titles["pawsx"] == "PAWS-X" and titles["tydiqa"] == "TyDiQA-GoldP"
    # computed by hand: 100/3 for XNLI's three balanced labels, 100/2 for PAWS-X's two
    assert registry.task("xnli").chance == pytest.approx(33.33) and registry.task("pawsx").chance == 50.0
    tatoeba = registry.task("tatoeba").data_layout.splits["test"]
    assert [(alt.name, alt.public_labels) for alt in tatoeba] == [("laser-v1", True), ("xtreme-download", False)]


def test_unlabelled_layout_drops_labels_a_file_might_carry(mini, user_tasks):
    # A layout declared without public gold is never scored, even if its file has labels.
    _broken(user_tasks, "- {name: xtreme-processed, files: \"xnli/xtreme_processed/{split}-{lang}.tsv\", reader: xtreme_pair_tsv, args: {label_kind: nli}}",
            "- {name: xtreme-processed, files: \"xnli/xtreme_processed/{split}-{lang}.tsv\", reader: xtreme_pair_tsv, args: {label_kind: nli}, public_labels: false}")
    task = load_registry(extra_dirs=[user_tasks]).task("xnli_again")
    dev = sources.load_split(mini, task, "de", "dev")
    assert dev and all(ex.label is None for ex in dev) and not sources.has_gold(dev)
    assert sources.split_source(mini, task, "de", "dev").public_labels is False


def test_copy_of_the_builtin_folder_loads_as_the_only_root(tmp_path):
    copy = tmp_path / "tasks"
    shutil.copytree(TASKS_DIR, copy)
    (copy / "custom").mkdir()
    _copy_spec(TASKS_DIR / "xtreme/xquad.yaml", copy / "custom/xquad_copy.yaml", "xquad", "xquad_copy")
    registry = load_registry(copy)
    assert "xquad_copy" in registry.tasks and "xquad" in registry.tasks


@pytest.mark.parametrize("variants, message", [
    ("  - {name: a, family: english, intermediate: [mnli]}\n  - {name: b, family: control, intermediate: [mnli]}",
     "variants 'a' and 'b' in variants\\[1\\] train the same thing"),
    ("  - {name: a, family: baseline}\n  - {name: b, family: baseline, intermediate: []}", "variants 'a' and 'b'"),
    ("  - {name: a, family: english, mode: multitask, intermediate: [mnli, qqp]}\n"
     "  - {name: b, family: english, mode: multitask, intermediate: [qqp, mnli]}", "variants 'a' and 'b'"),
])
def test_variants_that_train_the_same_thing_are_refused(tmp_path, variants, message):
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments/twins.yaml").write_text(f"name: twins\nvariants:\n{variants}\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=f"twins.yaml: {message}"):
        load_registry(extra_dirs=[tmp_path])


def test_xstilts_defines_each_training_once():
    variants = load_registry().experiment("xstilts").variants
    trainings = [(v.mode, tuple(sorted(v.intermediate)) if v.mode == "multitask" else v.intermediate) for v in variants]
    assert len(set(trainings)) == len(trainings)
    assert [v.name for v in variants if v.intermediate == ("xnli_mt_mix",)] == ["nli_mix"]


def test_downloads_are_declared_in_the_specs(tmp_path):
    from harness.data import download

    table = download.download_table()
    assert download.data_key("xnli_mt_de") == download.data_key("xnli_dev_fr") == "xnli"
    assert [d.basename for d in table["xnli"].downloads] == ["XNLI-1.0.zip", "XNLI-MT-1.0.zip"]
    # XQuAD's 11 languages, one file each (deepmind/xquad); BUCC 2018's 4 pairs x {sample, training}
    # archives (xtreme's download_data.sh)
    assert len(table["xquad"].downloads) == 11 and table["xquad"].also == ("squad_v1",)
    assert len(table["bucc2018"].downloads) == 8 and table["anli"].also == ("mnli", "snli")
    assert table["panx"].manual.startswith("PAN-X") and table["panx"].manual_unpack is not None
    assert download.tasks_to_fetch(["anli", "xnli_mt_mix"]) == ["anli", "mnli", "snli", "xnli"]
    # a typo in a spec's download fails at load, naming file and key
    bad = tmp_path / "bad.yaml"
    text = (TASKS_DIR / "xtreme/pawsx.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("name: pawsx\n", "name: pawsx2\n").replace("unpack: strip", "unpack: untar")
                   .replace("  download:\n", "  download:\n    bundle: pawsx2\n"), encoding="utf-8")
    with pytest.raises(HarnessError, match=r"bad.yaml: key 'data.download.files\[0\]': unknown unpacker 'untar'"):
        load_registry(extra_dirs=[tmp_path])
    bad.write_text(text.replace("name: pawsx\n", "name: pawsx2\n")
                   .replace("  download:\n", "  download:\n    bundle: pawsx\n"), encoding="utf-8")
    with pytest.raises(HarnessError, match=r"bad.yaml: key 'data.download': bundle 'pawsx' is already defined in .*xtreme/pawsx.yaml"):
        load_registry(extra_dirs=[tmp_path])
