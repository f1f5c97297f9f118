"""Logging and progress for people and for CI: bars on a terminal, plain lines elsewhere.

Why one helper: a piped run used to write hundreds of progress-bar frames (``\\r`` and cursor
codes) into CI logs, with log lines glued onto bars. Every long loop in the package goes
through :func:`progress`, which draws a tqdm bar only when stderr is a terminal (or
``--progress bar``) and otherwise logs a line every :data:`PLAIN_EVERY_S` seconds.
:func:`configure` also turns the libraries' own chatter (transformers load reports, faiss
loader lines, datasets and hub bars) down to warnings unless ``-v`` is given.

Importable without torch: the Trainer callback is built on first use.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

PROGRESS_MODES = ("auto", "bar", "plain", "none")
PLAIN_EVERY_S = 30.0  # a plain progress line at most this often per loop
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%H:%M:%S"

# Loggers of libraries that report at INFO what a user of the harness does not need.
NOISY_LOGGERS = (
    "transformers", "datasets", "huggingface_hub", "accelerate", "deepspeed", "DeepSpeed",
    "faiss", "faiss.loader", "torch.distributed", "urllib3", "filelock", "fsspec", "PIL",
)  # fmt: skip

_state: dict[str, Any] = {"progress": "auto", "verbosity": 0}

log = logging.getLogger("harness.progress")


def progress_mode() -> str:
    """The resolved mode: ``bar``, ``plain`` or ``none`` (``auto`` decided by stderr)."""
    mode = _state["progress"]
    if mode == "auto":
        return "bar" if _stderr_is_terminal() else "plain"
    return mode


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def configure(verbosity: int = 0, progress: str = "auto") -> None:
    """Set up logging on stderr once per command: ``verbosity`` -1 quiet, 0 default, 1 verbose."""
    if progress not in PROGRESS_MODES:
        raise ValueError(f"progress mode {progress!r}: choose one of {', '.join(PROGRESS_MODES)}")
    _state.update(progress=progress, verbosity=verbosity)
    level = logging.WARNING if verbosity < 0 else logging.DEBUG if verbosity > 0 else logging.INFO
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_harness", False):
            root.removeHandler(handler)
    handler = _BarSafeHandler(sys.stderr) if progress_mode() == "bar" else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
    handler._harness = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    quiet_libraries(verbosity > 0)


class _BarSafeHandler(logging.StreamHandler):
    """With bars on, a log line is written above the bars (tqdm.write), never glued onto one."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from tqdm import tqdm

            tqdm.write(self.format(record), file=self.stream)
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


class _UnlessVerbose(logging.Filter):
    """Drops a library's records below ERROR unless -v. A filter, not a level, because some
    libraries (DeepSpeed) reset their logger's level and add a stdout handler on import."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _state["verbosity"] > 0 or record.levelno >= logging.ERROR


_UNLESS_VERBOSE = _UnlessVerbose()
# DeepSpeed logs "Setting accelerator to CPU" and the like as warnings, on stdout.
STDOUT_LOGGERS = ("DeepSpeed",)


def quiet_libraries(verbose: bool = False) -> None:
    """Library loggers to WARNING (INFO with ``verbose``); their own bars off unless bars are on."""
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    for name in STDOUT_LOGGERS:
        logger = logging.getLogger(name)
        if _UNLESS_VERBOSE not in logger.filters:
            logger.addFilter(_UNLESS_VERBOSE)
    bars = progress_mode() == "bar"
    if not bars:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    if not verbose:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    # Libraries already imported read their settings at import time: tell them directly.
    if "transformers" in sys.modules:
        _quiet_transformers(verbose, bars)
    if "datasets" in sys.modules:
        import datasets

        datasets.logging.set_verbosity_info() if verbose else datasets.logging.set_verbosity_error()
        if not bars:
            datasets.disable_progress_bars()


def _quiet_transformers(verbose: bool, bars: bool) -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_info() if verbose else hf_logging.set_verbosity_error()
    if not bars:
        hf_logging.disable_progress_bar()


class PlainProgress:
    """The tqdm subset the package uses, written as a log line every few seconds."""

    def __init__(self, iterable: Iterable | None, total: int | None, desc: str, unit: str,
                 initial: int = 0, enabled: bool = True):
        self.iterable = iterable
        self.total = total if total is not None else _len_or_none(iterable)
        self.desc = desc
        self.unit = unit
        self.enabled = enabled
        self.n = initial
        self.postfix = ""
        self.started = time.monotonic()
        self.last = self.started

    def __iter__(self) -> Iterator:
        for item in self.iterable or ():
            yield item
            self.update(1)

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:  # noqa: ARG002 (tqdm's signature)
        self.postfix = text

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if self.enabled and now - self.last >= PLAIN_EVERY_S:
            self.last = now
            postfix = f" ({self.postfix})" if self.postfix else ""
            log.info("%s: %s%s", self.desc, self._count(now), postfix)

    def _count(self, now: float) -> str:
        done = f"{self.n}/{self.total} {self.unit}" if self.total else f"{self.n} {self.unit}"
        percent = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        return f"{done}{percent}, {now - self.started:.0f} s"

    def close(self) -> None:
        pass

    def write(self, text: str) -> None:
        log.info("%s", text)


def _len_or_none(iterable: Iterable | None) -> int | None:
    try:
        return len(iterable)  # type: ignore[arg-type]
    except TypeError:
        return None


def progress(iterable: Iterable | None = None, *, total: int | None = None, desc: str = "", unit: str = "it",
             leave: bool = True, caller_logs: bool = False, disable: bool = False, **bar_options: Any):
    """A progress object with tqdm's interface (iterate, ``update``, ``set_postfix_str``, ``with``).

    On a terminal (or ``--progress bar``) a tqdm bar; otherwise a log line every
    PLAIN_EVERY_S seconds, or none with ``caller_logs`` (the caller logs one line per item
    itself, as the executor does per step). ``disable`` or ``--progress none`` shows nothing.
    """
    mode = progress_mode()
    if mode == "bar" and not disable:
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=desc, unit=unit, leave=leave, dynamic_ncols=True, **bar_options)
    return PlainProgress(iterable, total, desc, unit, initial=int(bar_options.get("initial", 0)),
                         enabled=mode == "plain" and not disable and not caller_logs)


def trainer_callbacks() -> tuple[list, list]:
    """(callbacks to remove, callbacks to add) to a transformers Trainer: its bar and its loss
    dicts on stdout go; loss lines go to the log at DEBUG (shown with ``-v``) and the bar or
    plain lines come from :func:`progress`."""
    from transformers import PrinterCallback, ProgressCallback, TrainerCallback

    class LoggedProgress(TrainerCallback):
        def __init__(self) -> None:
            self.bar = None

        def on_train_begin(self, args, state, control, **kwargs):  # noqa: ARG002
            if state.is_world_process_zero:
                self.bar = progress(total=state.max_steps, desc="training", unit="step", leave=False)

        def on_step_end(self, args, state, control, **kwargs):  # noqa: ARG002
            if self.bar is not None:
                self.bar.update(state.global_step - self.bar.n)

        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ARG002
            if state.is_world_process_zero and logs:
                shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in logs.items()}
                logging.getLogger("harness.train").debug("step %d: %s", state.global_step, shown)

        def on_train_end(self, args, state, control, **kwargs):  # noqa: ARG002
            if self.bar is not None:
                self.bar.close()
                self.bar = None

    return [ProgressCallback, PrinterCallback], [LoggedProgress()]


def apply_to_trainer(trainer) -> None:
    """Route a Trainer's progress and loss reports through the harness logging."""
    remove, add = trainer_callbacks()
    for callback in remove:
        trainer.remove_callback(callback)
    for callback in add:
        trainer.add_callback(callback)


__all__ = ["PROGRESS_MODES", "apply_to_trainer", "configure", "progress", "progress_mode"]
