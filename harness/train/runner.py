"""Train one head with the HF Trainer (optionally under DeepSpeed) and predict with it.

A trained model folder holds the model with its head, the tokenizer and
`training_summary.json`; the summary is written last, so a folder without it is an
interrupted run (see `is_trained`).
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from harness.errors import HarnessError
from harness.logs import apply_to_trainer
from harness.train.distributed import (
    DEFAULT_DEEPSPEED,
    deepspeed_label,
    is_main_process,
    prepare_environment,
    release_deepspeed_state,
    resolve_deepspeed,
)
from harness.train.encode import collator_for, encode_task
from harness.train.features import Encoded
from harness.train.heads import build_head, load_trained, require_kind
from harness.train.hyperparams import Hyperparameters

if TYPE_CHECKING:
    from harness.tasktypes import TaskType

log = logging.getLogger(__name__)
SUMMARY_FILE = "training_summary.json"


@dataclass
class TrainedModel:
    """Where a trained model lies and how its training went."""

    path: Path
    task_type: str
    steps: int
    train_loss: float  # mean over the whole run, as the Trainer reports it
    losses: list[float]  # logged losses in order (every `logging_steps`)
    seconds: float  # wall time of trainer.train(), DeepSpeed set-up included
    examples: int  # training features (windows, sentences, choice sets), all processes
    tokens: int  # non-padding input tokens trained on, all processes
    world_size: int
    deepspeed: str
    seed: int
    hyperparameters: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}

    @classmethod
    def load(cls, path: str | Path) -> TrainedModel:
        data = json.loads((Path(path) / SUMMARY_FILE).read_text(encoding="utf-8"))
        data["path"] = Path(path)
        return cls(**data)


def is_trained(path: str | Path) -> bool:
    """True when a training run finished writing `path`."""
    return (Path(path) / SUMMARY_FILE).is_file()


def as_hyperparameters(hp: Hyperparameters | dict[str, Any] | None) -> Hyperparameters:
    return hp if isinstance(hp, Hyperparameters) else Hyperparameters.from_dict(hp)


def counting_trainer_class():
    """The HF Trainer, counting the examples and non-padding tokens it actually trains on."""
    from transformers import Trainer

    class CountingTrainer(Trainer):
        examples_seen = 0
        tokens_seen = 0

        def training_step(self, model, inputs, num_items_in_batch=None):
            mask = inputs.get("attention_mask")
            if mask is not None:
                self.examples_seen += int(mask.shape[0])
                self.tokens_seen += int(mask.sum())
            return super().training_step(model, inputs, num_items_in_batch)

    return CountingTrainer


def training_arguments(out_dir: Path, hp: Hyperparameters, seed: int,
                       deepspeed_config: dict | None, max_steps: int | None, **overrides):
    """TrainingArguments from our hyperparameters; nothing saved mid-run, nothing reported."""
    from transformers import TrainingArguments

    cuda = torch.cuda.is_available()
    steps = max_steps if max_steps is not None else hp.max_steps
    values = dict(
        output_dir=str(out_dir / "trainer"),
        per_device_train_batch_size=hp.batch_size,
        per_device_eval_batch_size=hp.per_device_eval_batch_size,
        gradient_accumulation_steps=hp.grad_accumulation,
        learning_rate=hp.learning_rate,
        weight_decay=hp.weight_decay,
        warmup_steps=hp.warmup,
        max_grad_norm=hp.max_grad_norm,
        num_train_epochs=hp.epochs,
        max_steps=steps if steps and steps > 0 else -1,
        lr_scheduler_type="linear",
        logging_steps=hp.logging_steps,
        logging_first_step=True,
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        seed=seed,
        data_seed=seed,
        use_cpu=not cuda,
        bf16=cuda and torch.cuda.is_bf16_supported(),
        deepspeed=deepspeed_config,
        average_tokens_across_devices=False,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    values.update(overrides)
    return TrainingArguments(**values)


def run_trainer(model, tokenizer, train_dataset, collator, out_dir: str | Path,
                hp: Hyperparameters, seed: int, task_type: str,
                deepspeed: str | Path | dict | None = DEFAULT_DEEPSPEED,
                max_steps: int | None = None, save=True, callbacks=None,
                **argument_overrides) -> TrainedModel:
    """Train `model` on `train_dataset` with the HF Trainer; save it (rank 0) unless `save` is a
    callable, which is then called as save(trainer, out_dir) on every rank instead."""
    out = Path(out_dir)
    config = resolve_deepspeed(deepspeed)
    prepare_environment(config is not None)
    if len(train_dataset) == 0:
        raise HarnessError(f"{out}: no training examples; check the data and --limit")
    args = training_arguments(out, hp, seed, config, max_steps, **argument_overrides)
    trainer = counting_trainer_class()(model=model, args=args, train_dataset=train_dataset,
                                       data_collator=collator, processing_class=tokenizer,
                                       callbacks=callbacks)
    apply_to_trainer(trainer)  # bars only on a terminal; loss dicts to the log, not stdout
    started = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - started
    seen = torch.tensor([trainer.examples_seen, trainer.tokens_seen], device=args.device)
    examples, tokens = (int(x) for x in trainer.accelerator.reduce(seen, reduction="sum"))
    if callable(save):
        save(trainer, out)
    elif save:
        trainer.save_model(str(out))
    summary = TrainedModel(
        path=out, task_type=task_type, steps=trainer.state.global_step,
        train_loss=float(result.training_loss),
        losses=[float(e["loss"]) for e in trainer.state.log_history if "loss" in e],
        seconds=seconds, examples=examples, tokens=tokens,
        world_size=args.world_size, deepspeed=deepspeed_label(deepspeed), seed=seed,
        hyperparameters={**hp.as_dict(), **({"max_steps": max_steps} if max_steps else {})},
    )
    if trainer.is_world_process_zero():
        out.mkdir(parents=True, exist_ok=True)
        (out / SUMMARY_FILE).write_text(json.dumps(summary.to_json(), indent=1), encoding="utf-8")
    trainer.accelerator.wait_for_everyone()
    if trainer.is_world_process_zero() and (out / "trainer").is_dir():
        try:
            (out / "trainer").rmdir()  # the Trainer's output_dir: empty as nothing is saved mid-run
        except OSError:
            pass
    del trainer
    release_deepspeed_state()
    return summary


def train_task(encoder_dir: str | Path, kind: TaskType, train_examples: Sequence[Any],
               out_dir: str | Path, hp: Hyperparameters | dict[str, Any] | None, seed: int,
               labels: Sequence[str] | None = None,
               deepspeed: str | Path | dict | None = DEFAULT_DEEPSPEED,
               max_steps: int | None = None) -> TrainedModel:
    """Fine-tune a new head of task type `kind` (`harness.tasktypes.task_type(name)`) on
    `encoder_dir`; save model + tokenizer in `out_dir`."""
    from transformers import AutoTokenizer, set_seed

    hp = as_hyperparameters(hp)
    set_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    model = build_head(encoder_dir, kind, labels, seed)
    encoded = encode_task(kind, tokenizer, train_examples, hp, labels, training=True)
    return run_trainer(model, tokenizer, encoded.dataset(), collator_for(kind, tokenizer),
                       out_dir, hp, seed, kind.name, deepspeed, max_steps)


def predict(model_dir: str | Path, kind: TaskType, examples: Sequence[Any],
            hp: Hyperparameters | dict[str, Any] | None):
    """Predictions in the examples' order: label strings (pair classification), one tag list per
    sentence (token classification), {qid: answer text} (extractive QA), choice indices
    (multiple choice)."""
    kind = require_kind(kind)
    hp = as_hyperparameters(hp)
    if not examples:
        return kind.empty_predictions()
    model, tokenizer = load_trained(model_dir, kind)
    encoded = encode_task(kind, tokenizer, examples, hp, None, training=False)
    outputs = _forward(model, tokenizer, encoded, kind, hp)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    return kind.decode(examples, encoded, outputs, id2label, hp)


def _forward(model, tokenizer, encoded: Encoded, kind: TaskType, hp: Hyperparameters):
    """Logits for every feature, through Trainer.predict (devices, bf16, several processes)."""
    from transformers import Trainer

    with tempfile.TemporaryDirectory(prefix="harness-predict-") as scratch:
        args = training_arguments(Path(scratch), hp, 0, None, None)
        trainer = Trainer(model=model, args=args, data_collator=collator_for(kind, tokenizer),
                          processing_class=tokenizer)
        apply_to_trainer(trainer)
        output = trainer.predict(encoded.dataset())
    return output.predictions


__all__ = ["TrainedModel", "is_trained", "is_main_process", "predict", "run_trainer", "train_task"]
