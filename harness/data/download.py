"""Fetch the task data from its original addresses into the layout ``sources`` reads.

Why this shape: downloads are large and links flaky, so every file is fetched into a
``.part`` file and resumed with an HTTP Range request after an interruption; every file
written into the layout is recorded with its sha256 in ``MANIFEST.json``, so ``harness data
verify`` can later prove a folder is intact. A mirror (``--base-url``) replaces the original
hosts for offline sites and for the tests: file ``<basename>`` of task ``<task>`` is then
fetched from ``<base-url>/<task>/<basename>``.

The addresses, unpackers and manual steps are declared in each task spec's ``data.download``
(see ``harness.data.bundles``): those of google-research/xtreme's ``download_data.sh`` (the
shared DOWNLOAD_URLS.md) and, for the intermediate tasks, their publishers' pages.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import socket
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from harness.checksums import file_sha256
from harness.data.bundles import FileDownload, bundle_specs
from harness.data.catalog import catalog
from harness.data.manifest import (  # verify re-exported: it checks downloaded and generated folders alike
    MANIFEST,
    read_manifest,
    record_files,
    verify,  # noqa: F401
    write_manifest,
)
from harness.data.readers.tagging import UDPOS_LANGUAGES  # the languages the UD reader keeps
from harness.errors import HarnessError

log = logging.getLogger(__name__)

DOWNLOADS = "_downloads"
MIRROR_ENV = "HARNESS_DATA_MIRROR"

# Languages XTREME takes from each multi-language archive.
PANX_LANGUAGES = ("ar", "he", "vi", "id", "jv", "ms", "tl", "eu", "ml", "ta", "te", "af", "nl", "en", "de", "el", "bn", "hi", "mr", "ur", "fa", "fr", "it", "pt", "es", "bg", "ru", "ja", "ka", "ko", "th", "sw", "yo", "my", "zh", "kk", "tr", "et", "fi", "hu")  # fmt: skip

Unpacker = Callable[[Path, Path], list[Path]]


@dataclass(frozen=True)
class Download:
    """One file at its original address; ``unpack(archive, data_dir)`` puts it into the layout."""

    url: str
    unpack: Unpacker

    @property
    def basename(self) -> str:
        return PurePosixPath(urlsplit(self.url).path).name


@dataclass(frozen=True)
class TaskData:
    downloads: tuple[Download, ...] = ()
    manual: str | None = None  # why and how a person must fetch it; None when automatic
    also: tuple[str, ...] = ()  # other tasks whose data this one reads
    manual_unpack: Unpacker | None = None  # unpacks what the person placed under the data folder
    manual_files: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- unpacking


def _safe_relpath(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise HarnessError(
            f"archive member {name!r} points outside the data folder; the archive is not trusted"
        )
    return path


def _archive_members(archive: Path) -> Iterator[tuple[str, Callable[[], BinaryIO]]]:
    """(member name, opener of a binary stream) for the regular files of a zip or tar archive
    (any compression). Streams, not bytes: a 2 GiB member must not be read whole into memory."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    yield info.filename, lambda info=info: zf.open(info)
        return
    try:
        with tarfile.open(archive, "r:*") as tf:
            for member in tf:
                if member.isfile():
                    yield member.name, lambda member=member: tf.extractfile(member)
    except (tarfile.TarError, EOFError, OSError, ValueError) as err:
        raise HarnessError(
            f"{archive}: not a readable zip or tar archive ({err}); delete it and download again"
        ) from None


def _write(data_dir: Path, relpath: str, content: bytes | BinaryIO) -> Path:
    """Write bytes, or copy a stream in 1 MiB blocks, through a temporary file."""
    target = data_dir / _safe_relpath(relpath)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    if isinstance(content, bytes):
        tmp.write_bytes(content)
    else:
        with tmp.open("wb") as out:
            shutil.copyfileobj(content, out, 1 << 20)
    tmp.replace(target)
    return target


def extract(archive: Path, data_dir: Path, mapping: Callable[[str], str | None]) -> list[Path]:
    """Write each member that ``mapping`` names a destination for; fail when none matched."""
    written = []
    for name, read in _archive_members(archive):
        relpath = mapping(name)
        if relpath is not None:
            with read() as stream:
                written.append(_write(data_dir, relpath, stream))
    if not written:
        raise HarnessError(
            f"{archive}: none of the expected files are in this archive; is it the right download?"
        )
    return written


def _strip(
    prefix: str, into: str, keep: Callable[[str], bool] = lambda rest: True
) -> Callable[[str], str | None]:
    """Map ``<prefix><rest>`` to ``<into><rest>`` for members whose rest passes ``keep``."""

    def mapping(name: str) -> str | None:
        if name.startswith(prefix) and name != prefix:
            rest = name[len(prefix) :]
            return into + rest if keep(rest) else None
        return None

    return mapping


def _copy_to(relpath: str) -> Unpacker:
    def unpack(downloaded: Path, data_dir: Path) -> list[Path]:
        return [_write(data_dir, relpath, downloaded.read_bytes())]

    return unpack


def _unpack_with(mapping: Callable[[str], str | None]) -> Unpacker:
    return lambda archive, data_dir: extract(archive, data_dir, mapping)


def _ud_mapping(name: str) -> str | None:
    match = re.fullmatch(r"[^/]+/(UD_[^/]+)/([a-z]{2,3})_[a-z]+-ud-(train|dev|test)\.conllu", name)
    if match and match.group(2) in UDPOS_LANGUAGES:
        return f"ud/{match.group(1)}/{PurePosixPath(name).name}"
    return None


def _bucc_mapping(name: str) -> str | None:
    match = re.fullmatch(r"(?:.*/)?([a-z]{2})-en\.(sample|training)\.([a-z]{2}|gold)", name)
    if not match:
        return None
    split = {"sample": "dev", "training": "test"}[match.group(2)]
    return f"bucc2018/{match.group(1)}-en.{split}.{match.group(3)}"


def _tydiqa_dev_mapping(name: str) -> str | None:
    base = PurePosixPath(name).name
    if re.fullmatch(r"tydiqa-goldp-dev-[a-z]+\.json", base):
        return f"tydiqa/tydiqa-goldp-v1.1-dev/{base}"
    return None


def _laser_tatoeba_mapping(name: str) -> str | None:
    if re.fullmatch(r"LASER-[^/]+/data/tatoeba/v1/tatoeba\.[a-z]{3}-eng\.[a-z]{3}", name):
        return "tatoeba/" + PurePosixPath(name).name
    return None


def build_unpacker(item: FileDownload) -> Unpacker:
    """The function that puts one downloaded file into the data folder (``item.unpack`` names
    one of ``harness.data.bundles.UNPACKERS``, checked with its arguments when the spec loaded)."""
    if item.unpack == "copy":
        return _copy_to(item.args["to"])
    if item.unpack == "strip":
        suffix = item.args.get("suffix")
        keep = (lambda rest: rest.endswith(suffix)) if suffix else (lambda rest: True)
        return _unpack_with(_strip(item.args["from"], item.args["into"], keep))
    mapping = {"ud_treebanks": _ud_mapping, "bucc": _bucc_mapping, "tydiqa_dev": _tydiqa_dev_mapping,
               "laser_tatoeba": _laser_tatoeba_mapping}[item.unpack]
    return _unpack_with(mapping)


def unpack_panx(data_dir: Path) -> list[Path]:
    """Unpack the manually fetched PAN-X bundle: ``{lang}.tar.gz`` files inside a zip or tar.

    Each ``{lang}.tar.gz`` (Rahimi et al.'s split of WikiANN) holds ``train``, ``dev`` and
    ``test``, written to ``panx/<lang>/<split>``; the reader drops their ``lang:`` prefix.
    """
    bundles = [data_dir / name for name in PANX_BUNDLES]
    bundle = next((b for b in bundles if b.is_file()), None)
    if bundle is None:
        raise HarnessError(f"PAN-X: none of {', '.join(map(str, bundles))} exists; {how_to_get('panx', data_dir)}")
    written = []
    for name, read in _archive_members(bundle):
        lang = PurePosixPath(name).name.removesuffix(".tar.gz")
        if not name.endswith(".tar.gz") or lang not in PANX_LANGUAGES:
            continue
        with read() as stream, tarfile.open(fileobj=stream, mode="r|gz") as inner:
            for member in inner:
                split = PurePosixPath(member.name).name
                if member.isfile() and split in ("train", "dev", "test"):
                    with inner.extractfile(member) as content:
                        written.append(_write(data_dir, f"panx/{lang}/{split}", content))
    if not written:
        raise HarnessError(f"{bundle}: no <lang>.tar.gz files inside; is this the PAN-X bundle?")
    return written


# The published forms of the PAN-X bundle of <lang>.tar.gz files, in preference order (the
# panx spec's data.download.manual says where to get each).
PANX_BUNDLES = ("panx/AmazonPhotos.zip", "panx/panx_dataset.tar", "panx/panx_dataset.zip")
MANUAL_UNPACKERS: dict[str, Unpacker] = {"panx_bundle": lambda _, data_dir: unpack_panx(data_dir)}


def download_table() -> dict[str, TaskData]:
    """Every download bundle the task specs declare (``data.download``), by bundle name.

    Built from the active spec registry each time (cheap: the registry is cached), so a user's
    spec folder can add a bundle.
    """
    specs = bundle_specs([(t.name, t.data_layout.download if t.data_layout else None) for t in catalog().tasks.values()])
    table = {}
    for bundle, spec in specs.items():
        table[bundle] = TaskData(
            downloads=tuple(Download(item.url, build_unpacker(item)) for item in spec.files),
            manual=spec.manual or None, also=spec.also, manual_files=spec.manual_files,
            manual_unpack=MANUAL_UNPACKERS[spec.manual_unpack] if spec.manual_unpack else None)
    return table


def data_key(task: str) -> str:
    """The download bundle holding a task's data (``xnli_mt_de`` → XNLI's archives): its spec's
    ``data.download.bundle``; a name no spec knows is its own bundle name."""
    spec = catalog().tasks.get(task)
    download = spec.data_layout.download if spec is not None and spec.data_layout else None
    return download.bundle if download is not None else task


def tasks_to_fetch(tasks: list[str]) -> list[str]:
    """The data keys for ``tasks`` and the tasks they read from, in a stable order."""
    ordered: list[str] = []
    table = download_table()

    def add(task: str) -> None:
        key = data_key(task)
        if key not in table:
            known = ", ".join(sorted(table))
            raise HarnessError(f"--tasks: no download known for task {task!r}; known: {known}")
        if key not in ordered:
            ordered.append(key)
            for other in table[key].also:
                add(other)

    for task in tasks:
        add(task)
    return ordered


def how_to_get(task: str, data_dir: Path) -> str:
    """One sentence telling a user how to put ``task``'s data under ``data_dir``."""
    from harness.data.mini import MINI_TASKS

    key = data_key(task)
    entry = download_table().get(key)
    family = (
        "xnli_mt"
        if task.startswith("xnli_mt")
        else "xnli_dev"
        if task.startswith("xnli_dev")
        else task
    )
    mini = ""
    if family in MINI_TASKS:
        mini = f"; `harness data mini --data-dir {data_dir}` writes a small offline version of it"
    if entry is None:
        return f"put the files in place by hand{mini}"
    if entry.manual:
        return entry.manual.replace("<DIR>", str(data_dir)) + mini
    return f"run `harness data download --tasks {key} --data-dir {data_dir}`{mini}"


# --------------------------------------------------------------------------- fetching


def mirror_url(url: str, task: str, base_url: str | None) -> str:
    base = base_url or os.environ.get(MIRROR_ENV)
    if not base:
        return url
    return f"{base.rstrip('/')}/{task}/{PurePosixPath(urlsplit(url).path).name}"


def fetch(
    url: str, dest: Path, retries: int = 4, timeout: float = 60.0, backoff: float = 1.0
) -> Path:
    """Download ``url`` to ``dest`` through ``dest.part``, resuming it with HTTP Range after a failure.

    A server that ignores Range (answers 200) restarts the file; one that answers 416 to a
    range past the end means the part file is stale, so it is dropped. Client errors (404)
    fail at once; network errors are retried ``retries`` times with growing pauses, and
    the part file is kept, so running the command again resumes too.
    """
    from harness.logs import progress

    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    last_error = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        offset = part.stat().st_size if part.exists() else 0
        headers = (
            {"User-Agent": "harness-data/1", "Range": f"bytes={offset}-"}
            if offset
            else {"User-Agent": "harness-data/1"}
        )
        try:
            with urlopen(Request(url, headers=headers), timeout=timeout) as response:
                status = response.status
                if offset and status == 206:
                    content_range = response.headers.get("Content-Range", "")
                    if not content_range.startswith(f"bytes {offset}-"):
                        raise HarnessError(
                            f"{url}: server resumed at the wrong place ({content_range!r})"
                        )
                    mode = "ab"
                else:
                    offset, mode = 0, "wb"
                length = response.headers.get("Content-Length")
                expected = offset + int(length) if length is not None else None
                with (
                    part.open(mode) as out,
                    progress(
                        total=expected,
                        initial=offset,
                        unit="B",
                        unit_scale=True,
                        desc=dest.name,
                        leave=False,
                    ) as bar,
                ):
                    while chunk := response.read(1 << 16):
                        out.write(chunk)
                        bar.update(len(chunk))
            size = part.stat().st_size
            if expected is not None and size != expected:
                last_error = f"connection closed after {size} of {expected} bytes"
                continue
            part.replace(dest)
            return dest
        except HTTPError as err:
            if err.code == 416 and offset:
                part.unlink()  # our part is longer than the file: start over
                last_error = "stale partial file"
                continue
            if 400 <= err.code < 500:
                raise HarnessError(
                    f"{url}: HTTP {err.code} {err.reason}; the address may have moved, see DOWNLOAD_URLS.md"
                ) from None
            last_error = f"HTTP {err.code} {err.reason}"
        except (URLError, HTTPException, OSError) as err:
            last_error = str(getattr(err, "reason", err)) or type(err).__name__
            if _unreachable(err):  # offline: trying again in 15 s will not help
                raise HarnessError(
                    f"could not download {url}: {last_error} (no network, or the host name does not "
                    "resolve). Without network, use --base-url with a mirror or `harness data mini`"
                ) from None
        log.warning(
            "download of %s failed (%s); attempt %d of %d",
            url,
            last_error,
            attempt + 1,
            retries + 1,
        )
    kept = f"; {part} is kept and the next run resumes it" if part.exists() else ""
    raise HarnessError(
        f"could not download {url}: {last_error}{kept}. Without network, use --base-url with a mirror or `harness data mini`"
    )


def _unreachable(err: BaseException) -> bool:
    """A DNS failure or an unreachable network: not worth retrying."""
    reason = getattr(err, "reason", err)
    if isinstance(reason, socket.gaierror):
        return True
    return isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)


def _task_complete(data_dir: Path, manifest: dict, key: str) -> bool:
    names = manifest["tasks"].get(key, {}).get("files")
    if not names:
        return False
    return all(
        (data_dir / n).is_file()
        and (data_dir / n).stat().st_size == manifest["files"].get(n, {}).get("bytes")
        for n in names
    )


def download_tasks(
    tasks: list[str],
    data_dir: Path,
    base_url: str | None = None,
    keep_archives: bool = False,
    force: bool = False,
    retries: int = 4,
    backoff: float = 1.0,
) -> dict:
    """Fetch, unpack and record every task in ``tasks`` (and those they read from).

    Tasks already complete in the manifest are skipped unless ``force``. A task that needs a
    manual step is unpacked when its files are in place and explained otherwise; the others
    still run, and the explanations are raised together at the end.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(data_dir)
    manual_steps = []
    failures = []
    table = download_table()
    for key in tasks_to_fetch(tasks):
        if not force and _task_complete(data_dir, manifest, key):
            log.info("%s: already complete in %s, skipped (--force to fetch again)", key, MANIFEST)
            continue
        try:
            manual = _fetch_task(key, table[key], data_dir, manifest, base_url, keep_archives, retries, backoff)
        except HarnessError as err:  # the other tasks still run; all failures are listed at the end
            log.warning("%s: %s", key, err)
            failures.append(f"{key}: {err}")
            continue
        if manual:
            manual_steps.append(manual)
    if failures:
        also = ("\nmanual step needed:\n  " + "\n  ".join(manual_steps)) if manual_steps else ""
        raise HarnessError(f"{len(failures)} task(s) failed (the others are in place; run again to retry):\n  "
                           + "\n  ".join(failures) + also)
    if manual_steps:
        raise HarnessError("manual step needed:\n  " + "\n  ".join(manual_steps), exit_code=3)
    return manifest


def _fetch_task(key: str, entry: TaskData, data_dir: Path, manifest: dict, base_url: str | None, keep_archives: bool,
                retries: int, backoff: float) -> str | None:
    """Fetch, unpack and record one task; the explanation of a manual step if one is needed."""
    written: list[Path] = []
    if entry.manual:
        present = [f for f in entry.manual_files if (data_dir / f).is_file()]
        if entry.manual_unpack is None or not present:
            return f"{key}: {entry.manual.replace('<DIR>', str(data_dir))}"
        for name in present:
            manifest["downloads"][name] = {
                "sha256": file_sha256(data_dir / name),
                "bytes": (data_dir / name).stat().st_size,
                "url": "manual",
                "task": key,
            }
        written = entry.manual_unpack(data_dir / present[0], data_dir)
        origin = present[0]
    for item in entry.downloads:
        url = mirror_url(item.url, key, base_url)
        archive = data_dir / DOWNLOADS / key / item.basename
        log.info("%s: fetching %s", key, url)
        fetch(url, archive, retries=retries, backoff=backoff)
        relname = archive.relative_to(data_dir).as_posix()
        manifest["downloads"][relname] = {
            "url": item.url,
            "fetched_from": url,
            "sha256": file_sha256(archive),
            "bytes": archive.stat().st_size,
            "task": key,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        files = item.unpack(archive, data_dir)
        record_files(data_dir, manifest, files, relname)
        written.extend(files)
        if not keep_archives:
            archive.unlink()
            manifest["downloads"][relname]["deleted_after_unpack"] = True
        write_manifest(data_dir, manifest)  # progress survives a later failure
    if entry.manual and written and not entry.downloads:
        record_files(data_dir, manifest, written, origin)
    manifest["tasks"][key] = {
        "files": sorted({p.relative_to(data_dir).as_posix() for p in written})
    }
    write_manifest(data_dir, manifest)
    log.info("%s: %d files in place", key, len(written))
    return None
