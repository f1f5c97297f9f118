"""Trustworthy runs (issue 14, run side): caches verified by content, one writer per step,
unreadable records rerun, bad numbers refused at parse time, readable logs.

Every case replays one the issue found (a same-size overwrite of a checkpoint turned XNLI
en 63.33 into 33.33; finite garbage in the embedding cache turned Tatoeba de 28 into 1; a
second run deleted the first's live `.partial` checkpoint).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from harness.cli import main
from harness.pipeline.checkpoints import MANIFEST, CheckpointStore, verify_checkpoint
from harness.pipeline.locks import StepLock, is_locked, lock_path

ROOT = Path(__file__).resolve().parent.parent


def _builder(calls: list, payload: bytes = b"weights" * 100):
    def build(out: Path) -> None:
        calls.append(out)
        (out / "encoder").mkdir()
        (out / "encoder" / "model.safetensors").write_bytes(payload)
        (out / "config.json").write_text("{}")

    return build


# --------------------------------------------------------------------------- checkpoints


def test_checkpoint_is_built_once_with_a_manifest_and_reused(tmp_path):
    store = CheckpointStore(tmp_path / "ck")
    calls: list = []
    first = store.get_or_build("target", "k1", _builder(calls))
    manifest = json.loads((first / MANIFEST).read_text())
    assert set(manifest["files"]) == {"encoder/model.safetensors", "config.json"}
    assert manifest["files"]["config.json"]["bytes"] == 2
    assert store.get_or_build("target", "k1", _builder(calls)) == first
    assert len(calls) == 1 and store.has("target", "k1")


@pytest.mark.parametrize("damage", ["same_size", "truncated", "missing_file", "missing_manifest", "extra_file"])
def test_untrusted_checkpoint_is_rebuilt_with_one_warning(tmp_path, caplog, damage):
    store = CheckpointStore(tmp_path / "ck")
    calls: list = []
    final = store.get_or_build("target", "k1", _builder(calls))
    weights = final / "encoder" / "model.safetensors"
    if damage == "same_size":  # the case: overwritten in place, same length
        weights.write_bytes(b"X" * weights.stat().st_size)
    elif damage == "truncated":
        weights.write_bytes(weights.read_bytes()[:10])
    elif damage == "missing_file":
        weights.unlink()
    elif damage == "missing_manifest":
        (final / MANIFEST).unlink()
    else:
        (final / "encoder" / "stray.bin").write_bytes(b"?")
    # A fresh process hashes on first use; full=True stands for that here.
    assert verify_checkpoint(final, full=True) is not None
    from harness.pipeline import checkpoints

    checkpoints._VERIFIED.clear()  # noqa: SLF001 - a new process has checked nothing yet
    with caplog.at_level(logging.WARNING):
        again = store.get_or_build("target", "k1", _builder(calls))
    assert again == final and len(calls) == 2
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "rebuilding" in warnings[0].getMessage()
    assert weights.read_bytes() == b"weights" * 100
    assert verify_checkpoint(final, full=True) is None
    assert sorted(p.name for p in final.parent.iterdir()) == [".locks", "target-k1"]


def test_same_size_overwrite_is_caught_in_the_same_process_by_mtime(tmp_path):
    store = CheckpointStore(tmp_path / "ck")
    final = store.get_or_build("target", "k1", _builder([]))
    weights = final / "encoder" / "model.safetensors"
    time.sleep(0.01)
    weights.write_bytes(b"X" * weights.stat().st_size)
    assert "sha256" in verify_checkpoint(final)


def test_stale_partial_is_removed_only_when_its_lock_is_free(tmp_path, caplog):
    store = CheckpointStore(tmp_path / "ck")
    partial = store.path("target", "k1").with_name("target-k1.partial")
    partial.mkdir(parents=True)
    (partial / "half-written").write_text("x")
    with caplog.at_level(logging.WARNING):
        store.get_or_build("target", "k1", _builder([]))
    assert "removing an interrupted target checkpoint" in caplog.text
    assert not partial.exists()


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from harness.pipeline.checkpoints import CheckpointStore, write_manifest
    store = CheckpointStore(Path(sys.argv[1]))
    lock = store.lock("target", "k1")
    lock.acquire()
    partial = store.path("target", "k1").with_name("target-k1.partial")
    partial.mkdir(parents=True)
    (partial / "config.json").write_text("{}")
    print("building", flush=True)
    time.sleep(float(sys.argv[2]))
    write_manifest(partial)
    partial.rename(store.path("target", "k1"))
    lock.release()
""")


def test_second_run_waits_for_the_builder_and_never_touches_its_partial(tmp_path, caplog):
    """Another process is building k1: we wait (saying for whom), then reuse its checkpoint."""
    root = tmp_path / "ck"
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(root), "1.5"], stdout=subprocess.PIPE,
                             text=True, cwd=ROOT)
    try:
        assert child.stdout.readline().strip() == "building"
        store = CheckpointStore(root)
        calls: list = []
        with caplog.at_level(logging.INFO):
            final = store.get_or_build("target", "k1", _builder(calls))
        assert child.wait(timeout=30) == 0
    finally:
        child.kill()
    assert calls == []  # trained once, by the other process
    assert (final / "config.json").read_text() == "{}"
    assert f"pid {child.pid}" in caplog.text and "waiting for" in caplog.text
    assert "removing an interrupted" not in caplog.text


# --------------------------------------------------------------------------- locks


def test_lock_excludes_other_holders_and_is_released_when_its_process_dies(tmp_path):
    path = lock_path(tmp_path, "step-abc")
    lock = StepLock(path)
    assert lock.acquire(wait=False)
    assert is_locked(path)
    other = StepLock(path)
    assert other.acquire(wait=False) is False  # a second holder, even in this process
    lock.release()
    assert not is_locked(path)
    # kill -9 of the holder frees the lock: the kernel drops flocks of dead processes.
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from harness.pipeline.locks import StepLock; "
         "lock = StepLock(sys.argv[1]); lock.acquire(); print('held', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout.readline().strip() == "held"
    assert is_locked(path)
    child.kill()
    child.wait()
    assert not is_locked(path)


def test_waiting_thread_gets_the_lock_after_release(tmp_path):
    path = lock_path(tmp_path, "step-abc")
    first = StepLock(path)
    first.acquire()
    got = []
    waiter = threading.Thread(target=lambda: got.append(StepLock(path).acquire()))
    waiter.start()
    time.sleep(0.5)
    assert got == []
    first.release()
    waiter.join(timeout=10)
    assert got == [True]


# --------------------------------------------------------------------------- embedding cache


def test_finite_garbage_in_the_embedding_cache_is_detected(tmp_path, caplog):
    from harness.retrieval.embeddings import checksum_path, load_cached, save_cached

    path = tmp_path / "tatoeba.de.npy"
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    save_cached(path, vectors)
    np.testing.assert_array_equal(load_cached(path, 4), vectors)
    np.save(path, np.ones((4, 3), dtype=np.float32))  # right shape, finite, wrong
    with caplog.at_level(logging.WARNING):
        assert load_cached(path, 4) is None
    assert "differs from its sha256" in caplog.text
    save_cached(path, vectors)
    checksum_path(path).unlink()  # a cache from before checksums: not trusted
    assert load_cached(path, 4) is None


# --------------------------------------------------------------------------- mini data


def test_changed_mini_data_is_noticed_and_written_again(tmp_path, caplog):
    from harness.data.download import MANIFEST as DATA_MANIFEST
    from harness.data.mini import ensure_mini_data, mini_data_problems

    data = ensure_mini_data(tmp_path / "mini-data")
    manifest = json.loads((data / DATA_MANIFEST).read_text())
    name = sorted(manifest["files"])[0]
    original = (data / name).read_bytes()
    (data / name).write_bytes(original[:-5] + b"XXXXX")  # same size, other bytes
    assert mini_data_problems(data)
    with caplog.at_level(logging.WARNING):
        ensure_mini_data(data)
    assert (data / name).read_bytes() == original
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    assert "the mini data changed" in caplog.text and name in caplog.text
    assert mini_data_problems(data) == []


# --------------------------------------------------------------------------- unreadable records


@pytest.mark.parametrize("content", [b"\x00\xff\xfe binary", "{}".encode("utf-16"), b'{"schema": ', b"[1, 2]"])
def test_unreadable_record_makes_the_step_run_again(tmp_path, caplog, content):
    from harness.pipeline.execute import Executor

    executor = Executor.__new__(Executor)  # only _already_done is exercised: no plan needed
    path = tmp_path / "mini" / "xnli.result.json"
    executor._record_path = lambda step: path  # noqa: SLF001
    step = SimpleNamespace(variant="baseline", task="xnli", seed=1, key="k")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        assert executor._already_done(step) is False  # noqa: SLF001
    assert "runs again" in caplog.text


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize("value", ["0", "-3", "x"])
def test_retrieve_refuses_a_batch_size_below_one_at_parse_time(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["retrieve", "--task", "tatoeba", "--model", "m", "--data-dir", ".", "--batch-size", value])
    assert exit_info.value.code == 2
    assert "--batch-size" in capsys.readouterr().err


def test_full_disk_is_one_clear_message(monkeypatch, capsys):
    import harness.cli.ls as ls

    def full(args):
        raise OSError(errno.ENOSPC, "No space left on device", "/results/x.result.json")

    monkeypatch.setattr(ls, "run", full)  # register() binds it when main() builds the parser
    assert main(["ls", "tasks"]) == 2
    err = capsys.readouterr().err
    assert "no space left on the device writing /results/x.result.json" in err
    assert "Traceback" not in err


def test_data_list_piped_into_head_exits_quietly(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        f"{sys.executable} -m harness data list --dir {tmp_path} | head -1", shell=True, cwd=ROOT,
        capture_output=True, text=True, env=env, timeout=120)
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_global_log_options_anywhere_on_the_line():
    from harness.cli import _hoist_global_options, _with_default_command

    commands = {"run", "data"}
    assert _with_default_command(_hoist_global_options(["--suite", "x", "-q"]), commands) == [
        "-q", "run", "--suite", "x"]
    assert _with_default_command(_hoist_global_options(["--progress", "plain", "--suite", "x"]), commands) == [
        "--progress", "plain", "run", "--suite", "x"]
    assert _hoist_global_options(["data", "list", "-v"]) == ["-v", "data", "list"]


# --------------------------------------------------------------------------- progress


def test_plain_progress_writes_lines_not_frames(monkeypatch, caplog):
    from harness import logs

    monkeypatch.setitem(logs._state, "progress", "plain")  # noqa: SLF001
    monkeypatch.setattr(logs, "PLAIN_EVERY_S", 0.0)
    with caplog.at_level(logging.INFO, logger="harness.progress"):
        bar = logs.progress(["a", "b", "c"], desc="experiment", unit="step", caller_logs=True)
        for item in bar:
            bar.set_postfix_str(f"step {item}")
        with logs.progress(total=10, desc="training", unit="step") as inner:
            inner.set_postfix_str("xnli")
            inner.update(5)
    assert len(caplog.messages) == 1  # the caller logs its own line per step
    assert caplog.messages[0].startswith("training: 5/10 step (50%), ")
    assert caplog.messages[0].endswith(" (xnli)")
    assert not any("\r" in line or "\x1b" in line for line in caplog.messages)


def test_progress_none_and_auto_without_a_terminal(monkeypatch):
    from harness import logs

    monkeypatch.setitem(logs._state, "progress", "auto")  # noqa: SLF001
    monkeypatch.setattr(sys, "stderr", open(os.devnull, "w"))  # noqa: SIM115
    assert logs.progress_mode() == "plain"
    monkeypatch.setitem(logs._state, "progress", "none")  # noqa: SLF001
    assert logs.progress(range(3)).enabled is False


def test_step_line_shows_every_language_score():
    from harness.pipeline.execute import score_line
    from harness.spec import default_registry

    registry = default_registry()
    xnli = score_line(registry.task("xnli"), {"en": {"accuracy": 63.333}, "de": {"accuracy": 40.0}})
    assert xnli == "xnli 51.67 = en 63.33 de 40.00"
    # QA: the mean of exact match and F1 per language (XTREME's task score).
    xquad = score_line(registry.task("xquad"), {"en": {"exact_match": 40.0, "f1": 50.0}})
    assert xquad == "xquad 45.00 = en 45.00"
