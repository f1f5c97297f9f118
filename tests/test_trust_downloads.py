"""Downloads that fail or are huge (issue 14, item 6, run side): a DNS failure is not
retried, `--tasks all` goes on past a failing task and lists every failure, and archive
members are streamed to disk rather than read whole into memory."""

from __future__ import annotations

import socket
import tracemalloc
import zipfile
from urllib.error import URLError

import pytest

import harness.spec  # noqa: F401  (registers the task specs the data layer looks names up in)
from harness.data import download
from harness.errors import HarnessError


def test_dns_failure_fails_at_once_with_advice(monkeypatch, tmp_path):
    calls = []

    def no_dns(*args, **kwargs):
        calls.append(1)
        raise URLError(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))

    monkeypatch.setattr(download, "urlopen", no_dns)
    monkeypatch.setattr(download.time, "sleep", lambda s: pytest.fail("a DNS failure must not be retried"))
    with pytest.raises(HarnessError, match=r"(?s)does not resolve.*--base-url.*harness data mini"):
        download.fetch("https://dl.fbaipublicfiles.com/XNLI/XNLI-1.0.zip", tmp_path / "x.zip", retries=4)
    assert calls == [1]


def test_download_goes_on_past_a_failing_task_and_lists_all_failures(monkeypatch, tmp_path):
    fetched = []

    def failing_fetch(url, dest, **kwargs):
        fetched.append(url)
        raise HarnessError(f"could not download {url}: unreachable")

    monkeypatch.setattr(download, "fetch", failing_fetch)
    with pytest.raises(HarnessError) as failure:
        download.download_tasks(["xnli", "pawsx", "udpos"], tmp_path)
    message = str(failure.value)
    for task in ("xnli", "pawsx", "udpos"):
        assert f"\n  {task}: could not download" in message
    assert message.startswith(f"{message.count(chr(10) + '  ')} task(s) failed")
    assert len({u.split("/")[2] for u in fetched}) >= 2  # it tried the later tasks' hosts too


def test_a_large_zip_member_is_streamed_not_read_whole(tmp_path):
    size = 64 << 20  # 64 MiB of zeros compresses to about 64 KB
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf, \
            zf.open("XNLI-1.0/xnli.test.tsv", "w", force_zip64=True) as member:
        block = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            member.write(block)
    tracemalloc.start()
    try:
        [written] = download.extract(archive, tmp_path / "data", download._strip("XNLI-1.0/", "xnli/"))  # noqa: SLF001
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written.stat().st_size == size
    assert peak < 16 << 20, f"extracting held {peak >> 20} MiB at once"
