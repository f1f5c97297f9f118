"""Task heads on a pretrained encoder, and stripping them off again.

Heads are the transformers Auto classes (`AutoModelForSequenceClassification`, ...), so any
encoder family with those heads (XLM-R, BERT as in e5) works unchanged. Only the encoder passes
from the intermediate phase to the target phase: `save_encoder_only` writes the bare encoder
and its tokenizer, which then loads into any other head.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.tasktypes import TaskType


def require_kind(kind: TaskType) -> TaskType:
    """`kind` must be a task-type object; a bare name gets one message saying how to get one."""
    if isinstance(kind, str):
        raise HarnessError(f"pass the task type object, not its name: harness.tasktypes.task_type({kind!r})")
    return kind


def head_class(kind: TaskType):
    """The transformers Auto class of a task type's head (declared by the task-type object)."""
    kind = require_kind(kind)
    if not kind.trained:
        raise HarnessError(f"task_type {kind.name!r} cannot be trained (it has no head; "
                           f"{'it is evaluated by retrieval' if kind.retrieval else 'nothing to fine-tune'})")
    return kind.head_class()


def new_head(encoder_dir: str | Path, auto_class, seed: int, **kwargs):
    """`auto_class.from_pretrained(encoder_dir)` with its fresh weights drawn from `seed`."""
    encoder_dir = check_encoder_dir(encoder_dir)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return auto_class.from_pretrained(encoder_dir, **kwargs)


def check_encoder_dir(path: str | Path) -> Path:
    path = Path(path)
    if not (path / "config.json").is_file():
        raise HarnessError(f"{path}: not a model folder (no config.json); pass a folder made by "
                           "build_tiny_model, `harness models import-e5-small` or save_encoder_only")
    return path


def build_head(encoder_dir: str | Path, kind: TaskType, labels: Sequence[str] | None = None,
               seed: int = 0):
    """A new head of task type `kind` on the encoder in `encoder_dir`, initialised from `seed`."""
    encoder_dir = check_encoder_dir(encoder_dir)
    kind = require_kind(kind)
    kwargs = {}
    if kind.labelled:
        if not labels:
            raise HarnessError(f"task_type {kind.name}: the task spec must list its `labels`")
        kwargs = {"num_labels": len(labels), "id2label": dict(enumerate(labels)),
                  "label2id": {label: i for i, label in enumerate(labels)}}
    return new_head(encoder_dir, head_class(kind), seed, **kwargs)


def load_trained(model_dir: str | Path, kind: TaskType):
    """(model with head, tokenizer) saved by a training run."""
    from transformers import AutoTokenizer

    model_dir = check_encoder_dir(model_dir)
    return head_class(kind).from_pretrained(model_dir), AutoTokenizer.from_pretrained(model_dir)


def save_encoder_only(model_dir_or_model, out_dir: str | Path, tokenizer=None) -> Path:
    """Save the bare encoder (no task head) and the tokenizer into `out_dir`; returns it.

    Accepts a trained model folder (any head, or a multi-task folder) or a model object. The
    config loses the head's labels so the next head starts clean.
    """
    from transformers import AutoModel, AutoTokenizer, PreTrainedModel

    out = Path(out_dir)
    if isinstance(model_dir_or_model, PreTrainedModel):
        encoder = model_dir_or_model.base_model
        shared_config = encoder.config  # the head's too: save a copy, leave the model as it was
        encoder.config = copy.deepcopy(shared_config)
    else:
        shared_config = None
        source = check_encoder_dir(model_dir_or_model)
        # A head checkpoint may lack the encoder's pooler (XLM-R heads do not use it): a fixed
        # seed makes its fresh initialisation reproducible.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            encoder = AutoModel.from_pretrained(source)
        tokenizer = tokenizer or AutoTokenizer.from_pretrained(source)
    if tokenizer is None:
        raise HarnessError("save_encoder_only: pass the tokenizer along with a model object")
    config = encoder.config
    config.id2label, config.label2id = {0: "LABEL_0", 1: "LABEL_1"}, {"LABEL_0": 0, "LABEL_1": 1}
    config.problem_type = None
    out.mkdir(parents=True, exist_ok=True)
    try:
        encoder.save_pretrained(out)
    finally:
        if shared_config is not None:
            encoder.config = shared_config
    tokenizer.save_pretrained(out)
    return out
