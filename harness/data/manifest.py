"""`MANIFEST.json`: the sha256 and size of every file written into a data folder.

Its own module because both writers share it, `harness data download` (download.py) and
`harness data mini` (mini.py), and `harness data verify` reads it; neither writer needs the other.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from harness.checksums import file_sha256
from harness.errors import HarnessError
from harness.strict_json import load_json_document

MANIFEST = "MANIFEST.json"


def read_manifest(data_dir: Path) -> dict:
    path = data_dir / MANIFEST
    if not path.is_file():
        return {"schema": 1, "downloads": {}, "files": {}, "tasks": {}}
    manifest = load_json_document(path, "data manifest")
    if not isinstance(manifest, dict):
        raise HarnessError(f"{path}: a data manifest is a JSON object; delete it and download again")
    for key in ("downloads", "files", "tasks"):
        manifest.setdefault(key, {})
        if not isinstance(manifest[key], dict):
            raise HarnessError(f"{path}: key {key!r} must be an object; delete the file and download again")
    for name, entry in manifest["files"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) \
                or isinstance(entry.get("bytes"), bool) or not isinstance(entry.get("bytes"), int):
            raise HarnessError(f"{path}: files.{name} must hold 'sha256' (text) and 'bytes' (a whole number); "
                               "delete the file and download again")
    return manifest


def write_manifest(data_dir: Path, manifest: dict) -> Path:
    path = data_dir / MANIFEST
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    tmp.replace(path)
    return path


def record_files(data_dir: Path, manifest: dict, files: list[Path], origin: str) -> list[str]:
    names = []
    for path in files:
        name = path.relative_to(data_dir).as_posix()
        manifest["files"][name] = {
            "sha256": file_sha256(path),
            "bytes": path.stat().st_size,
            "from": origin,
        }
        names.append(name)
    return names


def verify(data_dir: Path) -> list[str]:
    """Problems found when checking every file of ``MANIFEST.json`` (empty list: all good)."""
    data_dir = Path(data_dir)
    if not (data_dir / MANIFEST).is_file():
        raise HarnessError(
            f"{data_dir / MANIFEST} not found; only folders written by `harness data download` or `harness data mini` can be verified"
        )
    manifest = read_manifest(data_dir)
    if not manifest["files"]:
        raise HarnessError(f"{data_dir / MANIFEST}: lists no files, so nothing can be verified; write it again "
                           "with `harness data download` or `harness data mini`")
    problems = []
    for name, entry in sorted(manifest["files"].items()):
        relpath = PurePosixPath(name)
        if relpath.is_absolute() or ".." in relpath.parts:
            problems.append(f"{name}: points outside the data folder; the manifest is not trusted")
            continue
        path = data_dir / relpath
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != entry.get("bytes"):
            problems.append(
                f"{name}: {path.stat().st_size} bytes, manifest says {entry.get('bytes')}"
            )
        elif file_sha256(path) != entry.get("sha256"):
            problems.append(f"{name}: sha256 differs from the manifest (file changed or corrupted)")
    return problems
