"""Multi-task intermediate training: one shared encoder, one head per task.

Sampling is examples-proportional with a cap (Raffel et al. 2020, as in the reference study's
multi-task mix): in every epoch each task contributes min(n_task, cap) of its training
features, drawn afresh, cut into single-task batches, and all batches are shuffled together.
A task thus appears in proportion to its (capped) size and big tasks cannot drown small ones.

Each head is the transformers head for its task type (so losses and shapes are the library's),
with its encoder attribute pointing at the one shared encoder module. The HF Trainer trains it
like any model; its dataset is the precomputed batch schedule (one item = one task batch).
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from harness.errors import HarnessError
from harness.train.distributed import DEFAULT_DEEPSPEED
from harness.train.encode import collator_for, encode_task
from harness.train.features import Encoded
from harness.train.heads import build_head, check_encoder_dir
from harness.train.hyperparams import Hyperparameters
from harness.train.runner import TrainedModel, as_hyperparameters, run_trainer

if TYPE_CHECKING:
    from harness.tasktypes import TaskType

MULTITASK_FILE = "multitask.json"


@dataclass(frozen=True)
class TaskData:
    """One task of the mix."""

    name: str
    task_type: TaskType  # the task-type object (harness.tasktypes.task_type(name))
    examples: Sequence[Any]
    labels: Sequence[str] | None = None


def proportional_schedule(sizes: Sequence[int], batch_size: int, cap: int, epochs: float,
                          seed: int) -> list[tuple[int, list[int]]]:
    """Batches as (task index, feature indices), all epochs, shuffled; see the module docstring.

    A fractional last epoch keeps that share of its (shuffled) batches.
    """
    if cap < 1 or batch_size < 1:
        raise HarnessError("multi-task: cap and batch_size must be positive")
    rng = random.Random(seed)
    schedule: list[tuple[int, list[int]]] = []
    whole = math.ceil(epochs)
    for epoch in range(whole):
        batches = []
        for task, size in enumerate(sizes):
            order = list(range(size))
            rng.shuffle(order)
            chosen = order[: min(size, cap)]
            batches += [(task, chosen[i:i + batch_size]) for i in range(0, len(chosen), batch_size)]
        rng.shuffle(batches)
        if epoch == whole - 1 and epochs < whole:
            batches = batches[: max(1, round(len(batches) * (epochs - epoch)))]
        schedule += batches
    return schedule


class ScheduleDataset(torch.utils.data.Dataset):
    """Item i is the i-th batch of the schedule: its task and its features."""

    def __init__(self, schedule: list[tuple[int, list[int]]], encoded: list[Encoded]):
        self.schedule, self.encoded = schedule, encoded

    def __len__(self) -> int:
        return len(self.schedule)

    def __getitem__(self, index: int) -> dict[str, Any]:
        task, rows = self.schedule[index]
        return {"task_index": task, "features": [self.encoded[task].features[r] for r in rows]}


class MultiTaskCollator:
    """Collates one scheduled batch with its own task's collator and tags it with the task."""

    def __init__(self, collators: list):
        self.collators = collators

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        if len(items) != 1:
            raise RuntimeError("multi-task batches come whole from the schedule; use batch size 1")
        task = items[0]["task_index"]
        batch = dict(self.collators[task](items[0]["features"]))
        batch["task_index"] = torch.tensor([task])
        return batch


class MultiTaskModel(nn.Module):
    """A shared encoder and a ModuleDict of transformers heads that all use it."""

    accepts_loss_kwargs = False  # the Trainer must not pass num_items_in_batch through

    def __init__(self, encoder: nn.Module, heads: dict[str, nn.Module], task_names: list[str]):
        super().__init__()
        self.encoder = encoder
        self.heads = nn.ModuleDict(heads)
        self.task_names = task_names
        self.config = encoder.config

    def forward(self, task_index: torch.Tensor, **inputs):
        return self.heads[self.task_names[int(task_index.reshape(-1)[0])]](**inputs)


def module_name(task: str) -> str:
    return re.sub(r"\W", "_", task)


def build_multitask_model(encoder_dir: str | Path, tasks: Sequence[TaskData], seed: int):
    from transformers import AutoModel

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = AutoModel.from_pretrained(check_encoder_dir(encoder_dir))
    heads = {}
    for i, task in enumerate(tasks):
        head = build_head(encoder_dir, task.task_type, task.labels, seed + 1 + i)
        setattr(head, head.base_model_prefix, encoder)  # drop its own copy, use the shared one
        heads[module_name(task.name)] = head
    return MultiTaskModel(encoder, heads, [module_name(t.name) for t in tasks])


def train_multitask(encoder_dir: str | Path,
                    tasks: Sequence[TaskData | tuple[str, str, Sequence[Any], Sequence[str] | None]],
                    out_dir: str | Path, hp: Hyperparameters | dict[str, Any] | None, seed: int,
                    cap: int | None = None,
                    deepspeed: str | Path | dict | None = DEFAULT_DEEPSPEED,
                    max_steps: int | None = None) -> TrainedModel:
    """Train one encoder on a mix of tasks; `out_dir` gets the encoder (loadable with AutoModel
    and `save_encoder_only`), its tokenizer, `heads/<task>/` and `multitask.json`."""
    from transformers import AutoTokenizer, set_seed

    tasks = [t if isinstance(t, TaskData) else TaskData(*t) for t in tasks]
    names = [module_name(t.name) for t in tasks]
    if not tasks or len(set(names)) != len(names):
        raise HarnessError(f"multi-task: need distinct task names, got {[t.name for t in tasks]}")
    hp = as_hyperparameters(hp)
    cap = cap or hp.multitask_cap
    set_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    encoded = [encode_task(t.task_type, tokenizer, t.examples, hp, t.labels, training=True)
               for t in tasks]
    sizes = [len(e.features) for e in encoded]
    schedule = proportional_schedule(sizes, hp.batch_size, cap, hp.epochs, seed)
    model = build_multitask_model(encoder_dir, tasks, seed)
    collator = MultiTaskCollator([collator_for(t.task_type, tokenizer) for t in tasks])
    info = {"tasks": [{"name": t.name, "module": n, "task_type": t.task_type.name, "head": t.task_type.head,
                       "labels": list(t.labels) if t.labels else None, "features": s,
                       "batches": c}
                      for t, n, s, c in zip(tasks, names, sizes, _batch_counts(schedule, len(tasks)),
                                            strict=True)],
            "cap": cap, "batch_size": hp.batch_size, "epochs": hp.epochs, "seed": seed}

    def save(trainer, out: Path) -> None:
        _save_multitask(trainer, model, tokenizer, out, info)

    return run_trainer(model, tokenizer, ScheduleDataset(schedule, encoded), collator, out_dir,
                       hp, seed, "multitask", deepspeed, max_steps, save=save,
                       per_device_train_batch_size=1, num_train_epochs=1,
                       ddp_find_unused_parameters=True)


def _batch_counts(schedule: list[tuple[int, list[int]]], n_tasks: int) -> list[int]:
    counts = Counter(task for task, _ in schedule)
    return [counts.get(i, 0) for i in range(n_tasks)]


def _save_multitask(trainer, model: MultiTaskModel, tokenizer, out: Path,
                    info: dict[str, Any]) -> None:
    """Encoder as a normal model folder; each head's own weights beside it. Collective under
    ZeRO-3 (weights are gathered), so every rank calls it; rank 0 writes."""
    from safetensors.torch import save_file

    wrapped = trainer.model_wrapped if trainer.is_deepspeed_enabled else trainer.model
    state = trainer.accelerator.get_state_dict(wrapped)
    if not trainer.is_world_process_zero():
        return
    out.mkdir(parents=True, exist_ok=True)
    encoder_state = {k[len("encoder."):]: v for k, v in state.items() if k.startswith("encoder.")}
    model.encoder.save_pretrained(out, state_dict=encoder_state)
    tokenizer.save_pretrained(out)
    for name, head in model.heads.items():
        prefix, shared = f"heads.{name}.", f"heads.{name}.{head.base_model_prefix}."
        own = {k[len(prefix):]: v.contiguous() for k, v in state.items()
               if k.startswith(prefix) and not k.startswith(shared)}
        folder = out / "heads" / name
        folder.mkdir(parents=True, exist_ok=True)
        save_file(own, str(folder / "head.safetensors"), metadata={"format": "pt"})
        head.config.save_pretrained(folder)
    (out / MULTITASK_FILE).write_text(json.dumps(info, indent=1), encoding="utf-8")


def export_multitask_head(multitask_dir: str | Path, task: str, out_dir: str | Path) -> Path:
    """Rebuild one task's full model (shared encoder + its head) as a normal model folder, so
    `predict` can evaluate an intermediate task trained in a mix."""
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoTokenizer

    source = check_encoder_dir(multitask_dir)
    info = json.loads((source / MULTITASK_FILE).read_text(encoding="utf-8"))
    entry = next((t for t in info["tasks"] if t["name"] == task), None)
    if entry is None:
        raise HarnessError(f"{source / MULTITASK_FILE}: no task {task!r}; it has "
                           f"{[t['name'] for t in info['tasks']]}")
    folder = source / "heads" / entry["module"]
    config = AutoConfig.from_pretrained(folder)
    import transformers

    if not entry.get("head"):
        raise HarnessError(f"{source / MULTITASK_FILE}: task {task!r} names no head class (written by an older "
                           "harness); train the mix again")
    model = getattr(transformers, entry["head"]).from_pretrained(source, config=config)
    missing, unexpected = model.load_state_dict(load_file(str(folder / "head.safetensors")),
                                                strict=False)
    if unexpected or any(not k.startswith(model.base_model_prefix) for k in missing):
        raise HarnessError(f"{folder}: head weights do not fit the {entry['task_type']} head")
    out = Path(out_dir)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(source).save_pretrained(out)
    return out
