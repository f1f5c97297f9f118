"""Executor resources from the `--executor-config` YAML, and the command a job runs (no Slurm needed)."""

from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.pipeline.cluster_config import DEFAULTS, load_cluster_config
from harness.pipeline.slurm import step_command


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cluster.yaml"
    path.write_text(text)
    return path


def test_defaults_without_a_file():
    resources = load_cluster_config(None)
    assert resources["intermediate"].gpus_per_node == 1
    assert resources["leaderboard"].gpus_per_node == 0
    cpu = load_cluster_config(None, gpus=False)
    assert all(r.gpus_per_node == 0 and r.cpus_per_task == 1 for r in cpu.values())


def test_kind_blocks_override_defaults_key_by_key(tmp_path):
    path = _config(tmp_path, """
defaults: {partition: gpu, account: nlp, time_min: 240, qos: normal}
intermediate: {gpus_per_node: 4, nodes: 2, time_min: 1440, sbatch: {exclude: "node07"}}
sbatch: {comment: harness}
python: apptainer exec --nv /shared/harness.sif python
""")
    resources = load_cluster_config(path)
    inter, target = resources["intermediate"], resources["target"]
    assert (inter.partition, inter.account, inter.qos, inter.time_min) == ("gpu", "nlp", "normal", 1440)
    assert inter.distributed and not target.distributed
    assert inter.sbatch == {"comment": "harness", "exclude": "node07"}
    assert target.sbatch == {"comment": "harness"}
    assert target.time_min == 240 and target.gpus_per_node == DEFAULTS["target"].gpus_per_node
    assert target.python == "apptainer exec --nv /shared/harness.sif python"


@pytest.mark.parametrize("text, message", [
    ("intermediat: {gpus_per_node: 1}", "unknown key 'intermediat'"),
    ("target: {gpu: 1}", "unknown key 'gpu' in target"),
    ("target: {gpus_per_node: -1}", "target.gpus_per_node must be a whole number"),
    ("target: {nodes: 0}", "target.nodes must be at least 1"),
    ("defaults: {mem_gb: lots}", "defaults.mem_gb must be a positive number"),
    ("defaults: {partition: 3}", "defaults.partition must be a string"),
    ("[1, 2]", "expected a mapping"),
    ("target: {", "invalid YAML"),
])
def test_bad_config_names_file_and_key(tmp_path, text, message):
    path = _config(tmp_path, text)
    with pytest.raises(HarnessError, match=message) as err:
        load_cluster_config(path)
    assert str(path) in str(err.value)


def test_missing_config_file_is_named(tmp_path):
    with pytest.raises(HarnessError, match="--executor-config .*cannot read"):
        load_cluster_config(tmp_path / "nope.yaml")


def test_step_command_is_reproducible_by_hand(tmp_path):
    resources = load_cluster_config(None)
    plan = tmp_path / "plan.json"
    assert step_command(plan, "abc", resources["target"]) == [
        "python", "-m", "harness", "step", "--plan", str(plan), "--key", "abc"]
    multi = load_cluster_config(_config(tmp_path, "intermediate: {gpus_per_node: 8, nodes: 2}"))["intermediate"]
    command = step_command(plan, "abc", multi)
    assert command[:3] == ["python", "-m", "torch.distributed.run"]
    assert command[command.index("--nnodes") + 1] == "2" and command[command.index("--nproc_per_node") + 1] == "8"
    assert command[-6:] == ["harness", "step", "--plan", str(plan), "--key", "abc"]
