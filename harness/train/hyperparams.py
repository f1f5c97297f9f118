"""Training hyperparameters: one typed, validated object built from a task spec's dict.

Why strict: a misspelt key in `tasks/*.yaml` or on the command line would otherwise be
ignored silently and a run would report numbers for settings nobody asked for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from harness.errors import HarnessError

# Other spellings people use (XTREME's scripts, HF's TrainingArguments) → our field name.
ALIASES = {
    "lr": "learning_rate",
    "train_batch_size": "batch_size",
    "per_device_train_batch_size": "batch_size",
    "num_train_epochs": "epochs",
    "warmup_ratio": "warmup",
    "gradient_accumulation_steps": "grad_accumulation",
    "per_device_eval_batch_size": "eval_batch_size",
    "n_best_size": "n_best",
}


@dataclass(frozen=True)
class Hyperparameters:
    """Everything that changes what a training run computes (and so belongs in a cache key).

    `batch_size` is per device: the effective batch is batch_size × grad_accumulation × world
    size. `warmup` is a fraction of the optimisation steps when below 1, else a step count.
    """

    learning_rate: float = 2e-5
    batch_size: int = 32
    max_seq_length: int = 128
    epochs: float = 3.0
    max_steps: int = -1  # > 0 overrides epochs (smoke runs)
    warmup: float = 0.1
    weight_decay: float = 0.01
    grad_accumulation: int = 1
    max_grad_norm: float = 1.0
    eval_batch_size: int = 0  # 0: twice batch_size
    # Extractive QA
    doc_stride: int = 128
    max_query_length: int = 64
    max_answer_length: int = 30
    n_best: int = 20
    version_2_with_negative: bool = False
    null_score_diff_threshold: float = 0.0
    # Masked language modelling
    mlm_probability: float = 0.15
    # Multi-task mixing: examples-proportional sampling, each task counted as at most `cap`.
    multitask_cap: int = 2**14
    logging_steps: int = 10

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None, source: str = "hyperparameters") -> Hyperparameters:
        """Build from a spec dict; unknown keys and bad values raise a HarnessError naming them."""
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in (values or {}).items():
            name = ALIASES.get(key, key)
            if name not in known:
                raise HarnessError(f"{source}: unknown hyperparameter {key!r}; known: "
                                   f"{', '.join(sorted(known))}")
            kwargs[name] = _coerce(name, value, known[name].type, source)
        hp = cls(**kwargs)
        hp._check(source)
        return hp

    def replace(self, **changes: Any) -> Hyperparameters:
        return Hyperparameters.from_dict({**asdict(self), **changes})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def per_device_eval_batch_size(self) -> int:
        return self.eval_batch_size or 2 * self.batch_size

    def _check(self, source: str) -> None:
        positive = ("learning_rate", "batch_size", "max_seq_length", "grad_accumulation",
                    "doc_stride", "max_query_length", "max_answer_length", "n_best",
                    "multitask_cap", "logging_steps")
        for name in positive:
            if getattr(self, name) <= 0:
                raise HarnessError(f"{source}: {name} must be positive, got {getattr(self, name)}")
        if self.epochs <= 0 and self.max_steps <= 0:
            raise HarnessError(f"{source}: set epochs > 0 or max_steps > 0")
        if not 0 < self.mlm_probability < 1:
            raise HarnessError(f"{source}: mlm_probability must lie in (0, 1)")
        if self.warmup < 0 or self.weight_decay < 0:
            raise HarnessError(f"{source}: warmup and weight_decay must not be negative")


def _coerce(name: str, value: Any, annotation: Any, source: str) -> Any:
    kind = {"float": float, "int": int, "bool": bool}[str(annotation)]
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise HarnessError(f"{source}: {name} must be true or false, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise HarnessError(f"{source}: {name} must be a number, got {value!r}") from None
    if kind is int:
        if number != int(number):
            raise HarnessError(f"{source}: {name} must be a whole number, got {value!r}")
        return int(number)
    return number
