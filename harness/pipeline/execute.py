"""Running a plan: model preparation, intermediate training, English fine-tuning with
zero-shot evaluation in every language, and retrieval; one result record per finished
(variant, seed, task), written as soon as it is finished.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import Any

from harness.data.sources import load_mix, load_split
from harness.errors import HarnessError
from harness.logs import progress
from harness.pipeline.checkpoints import CheckpointStore
from harness.pipeline.locks import StepLock, lock_path
from harness.pipeline.plan import (
    Plan,
    Step,
    intermediate_languages,
    intermediate_split,
    merged_hyperparameters,
)
from harness.pipeline.ranks import barrier, ensure_process_group, is_main_process, on_main
from harness.results import ResultRecord, read_record, write_record
from harness.results.evidence import save_record_evidence
from harness.spec import Registry, TaskSpec
from harness.tasktypes import evaluate_split, task_type_of

log = logging.getLogger(__name__)

MLM_WARMUP_HP = {"epochs": 2, "learning_rate": 5e-4, "batch_size": 32, "max_seq_length": 48}


class Executor:
    def __init__(self, plan: Plan, registry: Registry, data_dir: Path):
        self.plan = plan
        self.registry = registry
        self.data_dir = Path(data_dir)
        self.settings = plan.settings
        self.lock_dir = self.settings.work_dir / "locks"
        self.store = CheckpointStore(self.settings.work_dir / "checkpoints", lock_dir=self.lock_dir)
        self.encoders: dict[str, Path] = {}
        self.finished: list[Path] = []
        self.skipped: list[Path] = []
        self.seconds: dict[str, float] = {}  # wall time per step kind, for the closing summary

    # ------------------------------------------------------------------ helpers

    def _limit(self, examples: list, seed: int = 0) -> list:
        """--limit: a fixed, seeded subset, so smoke runs are reproducible."""
        limit = self.settings.limit
        if limit is None or len(examples) <= limit:
            return examples
        picked = sorted(random.Random(seed).sample(range(len(examples)), limit))
        return [examples[i] for i in picked]

    def _record(self, step: Step, languages: dict[str, dict[str, float]], protocol: dict[str, Any],
                notes: str, started: float) -> ResultRecord:
        """The one record builder (harness.pipeline.records): records name the step's data files
        in one scheme, whichever runner read them."""
        from harness.pipeline.records import build_record

        return build_record(self.plan, step, languages, protocol, notes, time.monotonic() - started,
                            self.data_dir)

    def _record_path(self, step: Step) -> Path:
        from harness.pipeline.records import step_record_path

        return step_record_path(self.plan, step)

    def _already_done(self, step: Step) -> bool:
        from harness.pipeline.records import recorded_key

        path = self._record_path(step)
        if not path.is_file():
            return False
        try:
            record = read_record(path)
        except HarnessError as err:
            log.warning("%s; the step runs again", err)
            return False
        except (ValueError, TypeError, KeyError, AttributeError, OSError, RecursionError) as err:
            # Binary, UTF-16 or malformed: unusable, so the step is done again and replaces it.
            log.warning("%s: unreadable result record (%s: %s); the step runs again",
                        path, type(err).__name__, str(err)[:200])
            return False
        return recorded_key(record) == step.key

    def predictions_dir(self, step: Step) -> Path:
        """Per run class too: a smoke run's predictions (and gold) never overwrite a full run's."""
        if self.settings.predictions_dir is not None:
            return self.settings.predictions_dir
        record = self._record_path(step)  # <results>/<experiment>/<variant>/<model>/...: slugs, length capped
        model = record.parent.name if step.run_class == "full" else f"{record.parent.name}.{step.run_class}"
        return (self.settings.work_dir / "predictions" / record.parents[2].name / record.parents[1].name
                / model / f"seed{step.seed}")

    # ------------------------------------------------------------------ steps

    def run(self) -> list[Path]:
        model_step, *rest = self.plan.steps
        ensure_process_group()
        started = time.monotonic()
        self.encoders[model_step.key] = self.model_encoder(model_step)
        self._clock("model", started)
        bar = progress(rest, desc="experiment", unit="step", caller_logs=True)  # a bar on a terminal only
        for index, step in enumerate(bar, 1):
            bar.set_postfix_str(step.label[:60])
            started = time.monotonic()
            outcome = self._run_step(step, started)
            self._clock(step.kind, started)
            # One line per step, with its scores: what a CI log of the run should show.
            log.info("step %d/%d (%.0f s) %s: %s", index, len(rest), time.monotonic() - started, step.label,
                     outcome)
        return self.finished

    def _clock(self, kind: str, started: float) -> None:
        self.seconds[kind] = self.seconds.get(kind, 0.0) + time.monotonic() - started

    def _run_step(self, step: Step, started: float) -> str:
        """Run one step; a short outcome for the step's log line."""
        if step.kind == "intermediate":
            self.encoders[step.key] = self.store.get_or_build(
                "intermediate", step.key, lambda out: self.train_intermediate(step, out)) / "encoder"
            return f"checkpoint {self.encoders[step.key].parent.name}"
        # One writer per step: a second run in this work folder waits here, then finds the record.
        lock = StepLock(lock_path(self.lock_dir, f"step-{step.key}"), f"step {step.label}")
        if is_main_process():
            lock.acquire()
        barrier()  # every rank reads the record only once rank 0 holds the step
        try:
            return self._run_locked_step(step, started)
        finally:
            lock.release()

    def _run_locked_step(self, step: Step, started: float) -> str:
        if self._already_done(step):
            self.skipped.append(self._record_path(step))
            return "done before, record kept"
        if step.kind == "target":
            record = self.run_target(step, started)
        else:  # retrieval is not distributed: rank 0 embeds and mines
            record = on_main(lambda: self.run_retrieval(step, started))
        # Under a multi-process launcher every rank computes the same record; one writes it.
        if record is not None and is_main_process():
            # Per-example evidence first (bootstrap intervals on the leaderboard), then the record.
            save_record_evidence(self.registry.task(step.task), record, self.predictions_dir(step),
                                 self.settings.results_dir)
            self.finished.append(write_record(record, self.settings.results_dir))
        return score_line(self.registry.task(step.task), record.languages) if record is not None else "nothing scored"

    def prepare_model(self, step: Step) -> Path:
        from harness.pipeline.models import prepare_model

        return prepare_model(self.plan.model_spec, self.store, step.key, self.data_dir, self.plan.suite,
                             self.settings)

    def model_encoder(self, step: Step) -> Path:
        """The encoder folder the plan starts from; a local folder is used where it lies (its
        identity is the content hash of its files, so nothing is copied)."""
        spec = self.plan.model_spec
        if spec.source.kind == "folder":
            return Path(spec.source.name)
        return self.prepare_model(step) / "encoder"

    def _intermediate_examples(self, spec: TaskSpec, seed: int) -> list:
        split = intermediate_split(spec, self.settings)
        languages = list(intermediate_languages(spec, self.plan.suite))
        kind = task_type_of(spec)
        if len(languages) > 1 and not kind.corpus:
            return self._limit(load_mix(self.data_dir, spec.name, languages, split), seed)
        examples: list = []
        for lang in languages:
            examples.extend(kind.examples(load_split(self.data_dir, spec.name, lang, split)))
        return self._limit(examples, seed)

    def train_intermediate(self, step: Step, out: Path) -> None:
        from harness.train.heads import save_encoder_only

        encoder = self.encoder_dir(step)
        specs = [self.registry.task(name) for name in step.tasks]
        scratch = out / "with-heads"
        if step.mode == "multitask":
            from harness.train.multitask import train_multitask

            tasks = []
            for s in specs:
                examples = self._intermediate_examples(s, step.seed)
                tasks.append((s.name, task_type_of(s), examples, task_type_of(s).labels(s, examples)))
            hp = _shared_hp([step.hyperparameters[s.name] for s in specs])
            train_multitask(encoder, tasks, scratch, hp, step.seed, deepspeed=self.settings.deepspeed,
                            max_steps=self.settings.max_steps)
        else:
            (spec,) = specs
            kind = task_type_of(spec)
            examples = self._intermediate_examples(spec, step.seed)
            kind.train(encoder, examples, scratch, step.hyperparameters[spec.name], step.seed,
                       labels=kind.labels(spec, examples), deepspeed=self.settings.deepspeed,
                       max_steps=self.settings.max_steps)
        on_main(lambda: (save_encoder_only(scratch, out / "encoder"), _remove_tree(scratch)))

    def encoder_dir(self, step: Step) -> Path:
        """The encoder a step starts from: every checkpoint keeps it in `encoder/`."""
        return self.encoders[step.upstream]

    def run_target(self, step: Step, started: float) -> ResultRecord | None:
        """Fine-tune on English, predict every language, write the XTREME files and score them
        (`harness.tasktypes.evaluate_split`, the code of `harness score`)."""
        from harness.train.runner import predict

        task = self.registry.task(step.task)
        kind = task_type_of(task)
        s = self.settings
        train = self._limit(kind.examples(load_split(self.data_dir, task.train_source, "en", s.train_split)), step.seed)
        labels = kind.labels(task, train)
        model_dir = self.store.get_or_build("target", step.key, lambda out: kind.train(
            self.encoder_dir(step), train, out, step.hyperparameters, step.seed, labels=labels,
            deepspeed=s.deepspeed, max_steps=s.max_steps))
        languages: dict[str, dict[str, float]] = {}
        skipped_notes = []
        out_dir = self.predictions_dir(step)
        for lang in progress(step.languages, desc=f"{task.name} zero-shot", unit="lang", leave=False):
            if lang == "en" and task.train_source == task.name and s.train_split == s.eval_split:
                skipped_notes.append(f"en not evaluated: its {s.eval_split} split was the training data")
                continue
            examples = self._limit(list(load_split(self.data_dir, task.name, lang, s.eval_split)), step.seed)
            predictions = predict(model_dir, kind, examples, step.hyperparameters)  # every rank
            if not is_main_process():
                continue  # rank 0 alone writes the files and scores them
            gold = kind.gold(examples) if kind.has_gold(examples) else None
            evaluated = evaluate_split(task, s.eval_split, lang, predictions, gold, out_dir)
            if evaluated.metrics is None:
                skipped_notes.append(f"{lang}: {s.eval_split} labels not public; predictions written, not scored")
                continue
            languages[lang] = evaluated.metrics
        if not languages:
            if is_main_process():
                log.warning("%s: nothing scored (%s); predictions in %s", step.label, "; ".join(skipped_notes), out_dir)
            return None
        protocol = {"train_source": task.train_source, "train_split": s.train_split, "eval_split": s.eval_split,
                    "train_examples": len(train), "hyperparameters": step.hyperparameters,
                    "deepspeed": s.deepspeed or "none", "encoder": str(self.encoder_dir(step)),
                    "checkpoint": str(model_dir), "predictions": str(out_dir)}
        return self._record(step, languages, protocol, "; ".join(skipped_notes), started)

    def run_retrieval(self, step: Step, started: float) -> ResultRecord | None:
        from harness.retrieval.embeddings import Embedder

        task = self.registry.task(step.task)
        s = self.settings
        # The protocol resolved in the plan for (model, task): the same for every variant.
        cache_dir = (s.cache_dir or s.work_dir / "embeddings") if s.use_cache else None
        embedder = Embedder(self.encoder_dir(step), protocol=step.retrieval, batch_size=s.embed_batch_size,
                            max_tokens=s.embed_max_tokens, cache_dir=cache_dir, device=s.device,
                            offline=s.offline, progress=True)
        # The runner embeds, searches or mines, then writes and scores the files as run_target does.
        runner = task_type_of(task).runner()
        result = runner(embedder, self.data_dir, list(step.languages), predictions_dir=self.predictions_dir(step),
                        task=task, **task_type_of(task).runner_options(s))
        if not result.languages:
            log.warning("%s: nothing scored; %s", step.label, "; ".join(result.notes))
            return None
        return self._record(step, result.languages, {**result.protocol, "encoder": str(self.encoder_dir(step))},
                            "; ".join(result.notes), started)


def score_line(task: TaskSpec, languages: dict[str, dict[str, float]]) -> str:
    """``xnli 45.21 = en 63.33 de 40.10 ...``: the task score and each language's main score."""
    from harness.results.aggregate import main_score

    try:
        per_language = {lang: main_score(task, metrics) for lang, metrics in languages.items()}
    except (KeyError, TypeError, ValueError):  # a metric without a main score: show what there is
        return " ".join(f"{lang} {metrics}" for lang, metrics in languages.items())
    mean = sum(per_language.values()) / len(per_language)
    return f"{task.name} {mean:.2f} = " + " ".join(f"{lang} {value:.2f}" for lang, value in per_language.items())


def _shared_hp(hps: list[dict[str, Any]]) -> dict[str, Any]:
    """Multi-task training uses one optimiser: keep the settings all member tasks agree on,
    and the largest sequence length any of them asks for."""
    shared = {k: v for k, v in hps[0].items() if all(h.get(k) == v for h in hps[1:])}
    lengths = [h["max_seq_length"] for h in hps if "max_seq_length" in h]
    if lengths:
        shared["max_seq_length"] = max(lengths)
    return shared


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


__all__ = ["Executor", "merged_hyperparameters"]
