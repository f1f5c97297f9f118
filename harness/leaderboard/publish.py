"""Put a rendered site into its folder so that nothing of the user's is lost and no reader sees half a site.

The site is written into a hidden folder beside the target, then swapped with it in one step
(Linux `renameat2(RENAME_EXCHANGE)`; elsewhere two renames, undone on the next build if a kill
falls between them). A manifest (`.harness-site.json`) lists the files a build wrote: the next
build replaces exactly those, and every other file in the folder (a README, a CNAME, notes) is
carried into the new site by hard link. A build from before manifests is recognised by its
`leaderboard.json` and only its own kinds of files are replaced. Any other non-empty folder is
refused, since nothing says which of its files are ours; an empty folder is taken.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath

from harness.errors import HarnessError
from harness.results.atomic import current_umask
from harness.results.store import slug

MANIFEST = ".harness-site.json"
MANIFEST_FORMAT = "harness-site"
_BUILDING = ".building-"
_OLD = ".previous-"


def _manifest_bytes(paths: list[str]) -> bytes:
    document = {"format": MANIFEST_FORMAT, "version": 1, "files": sorted(paths)}
    return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _safe_relative(text: object) -> str | None:
    """A manifest entry that stays inside the folder, or None."""
    if not isinstance(text, str) or not text or "\\" in text or "\x00" in text:
        return None
    path = PurePosixPath(text)
    if path.is_absolute() or any(part in ("", ".", "..") for part in path.parts):
        return None
    return str(path)


def read_manifest(site_dir: Path) -> set[str] | None:
    """The files a previous build wrote, or None when the folder holds no manifest of ours."""
    path = site_dir / MANIFEST
    if not path.is_file() or path.is_symlink():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise HarnessError(f"{path}: unreadable site manifest ({err}); delete the folder's old site yourself "
                           "or choose another -o/--output") from None
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT \
            or not isinstance(document.get("files"), list):
        raise HarnessError(f"{path}: not a harness site manifest; choose another -o/--output")
    return {entry for entry in map(_safe_relative, document["files"]) if entry is not None}


def legacy_build(site_dir: Path, files: dict[str, bytes]) -> set[str] | None:
    """The files of a build made before manifests existed, recognised by its `leaderboard.json`.

    Only names the new build writes, or that the old builder wrote (the assets, the data files,
    `.html` pages under a suite folder its `leaderboard.json` lists), count as ours; anything else
    in the folder is kept as the user's.
    """
    try:
        document = json.loads((site_dir / "leaderboard.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("schema") != "harness-leaderboard":
        return None
    suites = {s.get("suite") for s in document.get("suites", []) if isinstance(s, dict)}
    folders = {slug(name) for name in suites if isinstance(name, str)}
    ours = set(files)
    for path in site_dir.rglob("*"):
        relative = path.relative_to(site_dir).as_posix()
        top = relative.split("/", 1)[0]
        if path.is_file() and not path.is_symlink() and (
                relative in ("index.html", "leaderboard.json", "leaderboard.csv") or top == "assets"
                or (top in folders and relative.endswith(".html"))):
            ours.add(relative)
    return ours


def _user_entries(site_dir: Path, ours: set[str]) -> list[str]:
    """Relative paths in `site_dir` that no build wrote (files, links, and folders with nothing of ours)."""
    found: list[str] = []
    for current, dirs, files in os.walk(site_dir, followlinks=False):
        base = Path(current)
        for name in sorted(files) + sorted(d for d in dirs if (base / d).is_symlink()):
            relative = (base / name).relative_to(site_dir).as_posix()
            if relative != MANIFEST and relative not in ours:
                found.append(relative)
        for name in sorted(dirs):
            folder = base / name
            if not folder.is_symlink() and not any(folder.iterdir()):
                found.append(folder.relative_to(site_dir).as_posix() + "/")
        dirs[:] = sorted(d for d in dirs if not (base / d).is_symlink())
    return sorted(found)


def _carry(source: Path, target: Path) -> None:
    """A user's file into the new site: a hard link (the same file), or a copy where links are refused."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step where the kernel can (Linux renameat2); False where it cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover(site_dir: Path) -> None:
    """Undo what a killed build left beside the folder: restore a moved-away site, drop dead temp folders."""
    parent, name = site_dir.parent, site_dir.name
    if not parent.is_dir():
        return
    for entry in sorted(parent.iterdir()):
        for kind in (_BUILDING, _OLD):
            prefix = f".{name}{kind}"
            if not entry.name.startswith(prefix) or not entry.is_dir() or entry.is_symlink():
                continue
            pid_text = entry.name[len(prefix):].split("-", 1)[0]
            if pid_text.isdigit() and _pid_alive(int(pid_text)) and int(pid_text) != os.getpid():
                continue   # another build at work
            if kind == _OLD and not site_dir.exists():
                entry.rename(site_dir)   # a kill fell between the two renames: the old site is complete
            else:
                shutil.rmtree(entry, ignore_errors=True)


def publish_site(files: dict[str, bytes], site_dir: Path | str) -> Path:
    """Replace the previous build in `site_dir` with `files`, keeping the user's own files; returns the folder."""
    requested = Path(site_dir)
    site_dir = Path(os.path.realpath(requested)) if requested.is_symlink() else requested.absolute()
    _recover(site_dir)
    ours: set[str] = set()
    carried: list[str] = []
    mode = 0o777 & ~current_umask()
    if site_dir.exists():
        if not site_dir.is_dir():
            raise HarnessError(f"{requested}: exists and is not a folder; choose another -o/--output")
        previous = read_manifest(site_dir)
        if previous is None:
            previous = legacy_build(site_dir, files)
        if previous is None and any(site_dir.iterdir()):
            raise HarnessError(f"{requested}: folder is not empty and holds no manifest of a previous leaderboard "
                               f"build ({MANIFEST}); choose a new or empty folder so nothing of yours is overwritten")
        ours = previous or set()
        carried = _user_entries(site_dir, ours)
        clashes = [p for p in carried if p.rstrip("/") in files]
        if clashes:
            raise HarnessError(f"{requested / clashes[0]}: not written by a previous build, but the site needs this "
                               "name; move the file away and build again")
        mode = stat.S_IMODE(site_dir.stat().st_mode)
    parent = site_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}{_BUILDING}{os.getpid()}-", dir=parent))
    except OSError as err:
        raise HarnessError(f"{parent}: cannot create the site's build folder: {err.strerror}") from None
    try:
        os.chmod(staging, mode)
        for relative, content in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (staging / MANIFEST).write_bytes(_manifest_bytes(list(files)))
        for relative in carried:
            if relative.endswith("/"):
                (staging / relative).mkdir(parents=True, exist_ok=True)
            else:
                _carry(site_dir / relative, staging / relative)
        _swap_in(staging, site_dir)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise HarnessError(f"{requested}: cannot write the site: {err.strerror or err}; the previous site is "
                           "unchanged") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return site_dir


def _swap_in(staging: Path, site_dir: Path) -> None:
    if not site_dir.exists():
        os.rename(staging, site_dir)   # also replaces an empty folder made meanwhile
        return
    if _exchange(staging, site_dir):
        shutil.rmtree(staging, ignore_errors=True)   # now the previous build
        return
    old = site_dir.parent / f".{site_dir.name}{_OLD}{os.getpid()}-{staging.name.rsplit('-', 1)[-1]}"
    os.rename(site_dir, old)
    try:
        os.rename(staging, site_dir)
    except OSError:
        with contextlib.suppress(OSError):
            os.rename(old, site_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["MANIFEST", "legacy_build", "publish_site", "read_manifest"]
