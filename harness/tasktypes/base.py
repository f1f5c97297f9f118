"""What a task type is: the one object that knows a kind of task end to end.

A task type owns how a head's label set is found, which transformers head it trains, how
examples become features and which collator pads them, how model outputs decode into
predictions, what the gold side of a split is, and how both are written in XTREME's
submission layout. Code elsewhere asks the task type; it never branches on its name.

Torch stays out of this module: the training parts import `harness.train.*` when called.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from harness.errors import HarnessError
from harness.metrics.registry import PredictionFormat, prediction_format
from harness.tasktypes.files import submission_path

if TYPE_CHECKING:
    from harness.spec import TaskSpec


class TaskType:
    """Base of every task type; subclasses set the class attributes and override what applies."""

    name: ClassVar[str]
    #: the XTREME submission format its predictions are written in (None: it predicts nothing)
    format_name: ClassVar[str | None] = None
    #: evaluated by sentence retrieval over embeddings, not by a fine-tuned head
    retrieval: ClassVar[bool] = False
    #: the transformers Auto class of its head (None: no head is trained)
    head: ClassVar[str | None] = None
    #: the head needs a label set (classification and tagging)
    labelled: ClassVar[bool] = False
    #: trains on raw text lines, read language by language (not on examples mixed across languages)
    corpus: ClassVar[bool] = False
    description: ClassVar[str] = ""

    # ------------------------------------------------------------------ what it is

    @property
    def trained(self) -> bool:
        """Fine-tuned with a head (as a target or an intermediate task)."""
        return self.head is not None

    @property
    def format(self) -> PredictionFormat:
        if self.format_name is None:
            raise HarnessError(f"task type {self.name} writes no prediction files")
        return prediction_format(self.format_name)

    # ------------------------------------------------------------------ labels

    def labels(self, task: TaskSpec, train_examples: Sequence[Any] | None) -> list[str] | None:
        """The label set a head is built with: the spec's, else the sorted labels seen in training."""
        if not self.labelled:
            return None
        if task.labels:
            return list(task.labels)
        if not train_examples:
            raise HarnessError(f"{task.source_file}: task {task.name} lists no labels and has no training data")
        return sorted(self.labels_seen(train_examples))

    def labels_seen(self, examples: Sequence[Any]) -> set[str]:
        raise HarnessError(f"task type {self.name} has no labels")

    # ------------------------------------------------------------------ training (torch, lazily)

    def examples(self, loaded: Any) -> list:
        """What training consumes from a loaded split: its examples (MLM: its text lines)."""
        return list(loaded)

    def train(self, encoder_dir: Path, examples: Sequence[Any], out_dir: Path, hp: Any, seed: int, *,
              labels: Sequence[str] | None, deepspeed: Any, max_steps: int | None):
        """Fine-tune a new head on `encoder_dir`; the model with its head is saved in `out_dir`."""
        from harness.train.runner import train_task

        return train_task(encoder_dir, self, examples, out_dir, hp, seed, labels=labels,
                          deepspeed=deepspeed, max_steps=max_steps)

    def head_class(self):
        """The transformers Auto class of the head."""
        import transformers

        if self.head is None:
            raise HarnessError(f"task_type {self.name!r} cannot be trained")
        return getattr(transformers, self.head)

    def encode(self, tokenizer, examples: Sequence[Any], hp, label2id: dict[str, int] | None, training: bool):
        """Model features (`harness.train.features.Encoded`) for training or prediction."""
        raise HarnessError(f"task_type {self.name!r} has no fine-tuning features")

    def collator(self, tokenizer):
        """Dynamic padding per batch for this head's inputs and labels."""
        from transformers import DataCollatorWithPadding

        return DataCollatorWithPadding(tokenizer)

    def decode(self, examples: Sequence[Any], encoded, outputs, id2label: dict[int, str], hp) -> Any:
        """Predictions in the examples' order from the model outputs of every feature."""
        raise HarnessError(f"task_type {self.name!r} does not predict")

    def empty_predictions(self) -> Any:
        return []

    # ------------------------------------------------------------------ gold and files

    def has_gold(self, examples: Sequence[Any]) -> bool:
        """True when every example of the split carries its label (public labels)."""
        return False

    def gold(self, examples: Sequence[Any]) -> Any:
        """The gold side of a split, in what `write_gold` takes."""
        raise HarnessError(f"task type {self.name} has no gold to write")

    def path(self, root: Path, task: TaskSpec, split: str, lang: str) -> Path:
        return submission_path(root, task.name, split, lang, self.format.suffix)

    def write_predictions(self, path: Path, predictions: Any) -> Path:
        raise HarnessError(f"task type {self.name} writes no prediction files")

    def write_gold(self, path: Path, gold: Any) -> Path:
        raise HarnessError(f"task type {self.name} writes no gold files")

    def __repr__(self) -> str:
        return f"<task type {self.name}>"


TASK_TYPES: dict[str, TaskType] = {}


def register_task_type(cls: type[TaskType]) -> type[TaskType]:
    """Class decorator: one instance per task type, by name; a duplicate name is an error."""
    if cls.name in TASK_TYPES:
        raise HarnessError(f"task type {cls.name!r} is registered twice")
    TASK_TYPES[cls.name] = cls()
    return cls


def task_type(name: str) -> TaskType:
    try:
        return TASK_TYPES[name]
    except KeyError:
        raise HarnessError(f"unknown task_type {name!r}; known: {', '.join(TASK_TYPES)}") from None


def task_type_of(task: TaskSpec) -> TaskType:
    return task_type(task.task_type)
