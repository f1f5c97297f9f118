"""Downloads declared in the task specs (``data.download``), and the named unpackers they use.

Why: a task's original addresses, how its archives map into the data folder, and what a
person must fetch by hand belong to the task, so they live in its YAML beside the files it
reads; ``harness.data.download`` fetches, resumes and records them. The unpacking that needs
code (UD's treebank folders, BUCC's renamed splits, the PAN-X bundle) is registered here by
name, so a spec names it and a typo fails when the spec is loaded; the code itself lives in
``harness.data.download`` (``build_unpacker``), which reads these specs, never the reverse.

A spec's ``data.download`` mapping::

    bundle: xnli            # the name `harness data download --tasks` takes (default: the task's)
    also: [squad_v1]        # bundles this task also reads
    files:                  # original addresses, each with an unpacker and its arguments
      - {url: ".../XNLI-1.0.zip", unpack: strip, args: {from: XNLI-1.0/, into: xnli/XNLI-1.0/, suffix: .tsv}}
      - {url: ".../xquad.{lang}.json", unpack: copy, args: {to: "xquad/xquad.{lang}.json"}, languages: [ar, de]}
    manual: "what a person must do (<DIR> is the data folder)"
    manual_files: [panx/AmazonPhotos.zip]   # what the person places; unpacked by manual_unpack
    manual_unpack: panx_bundle

Several tasks may name one bundle (``xnli_mt_<lang>`` and ``xnli_dev_<lang>`` read XNLI's);
exactly one of them defines its files or manual step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import HarnessError

# name -> (argument names, required argument names)
UNPACKERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "copy": (("to",), ("to",)),  # the file itself, saved under `to`
    "strip": (("from", "into", "suffix"), ("from", "into")),  # archive members under `from` → `into`
    "ud_treebanks": ((), ()),  # UD release: <release>/UD_*/<lang>_*-ud-<split>.conllu of XTREME's languages
    "bucc": ((), ()),  # BUCC 2018: sample → dev, training → test
    "tydiqa_dev": ((), ()),  # TyDiQA-GoldP dev archive: per-language files
    "laser_tatoeba": ((), ()),  # LASER repository archive: data/tatoeba/v1 pairs
}
MANUAL_UNPACKERS = ("panx_bundle",)  # {lang}.tar.gz files inside a zip or tar
DOWNLOAD_KEYS = ("bundle", "also", "files", "manual", "manual_files", "manual_unpack")
FILE_KEYS = ("url", "unpack", "args", "languages")


@dataclass(frozen=True)
class FileDownload:
    url: str
    unpack: str
    args: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DownloadSpec:
    bundle: str
    files: tuple[FileDownload, ...] = ()
    also: tuple[str, ...] = ()
    manual: str = ""
    manual_files: tuple[str, ...] = ()
    manual_unpack: str = ""
    source_file: str = ""

    @property
    def defines(self) -> bool:
        """Whether this spec says how to get the bundle (rather than only naming it)."""
        return bool(self.files or self.manual)


def _fail(where: str, problem: str) -> HarnessError:
    return HarnessError(f"{where}: {problem}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(where, "must be a list of names")
    return tuple(value)


def parse_download(raw: Any, source_file: str, task_name: str) -> DownloadSpec:
    """The ``data.download`` mapping of a task file, checked; errors name the file and the key."""
    where = f"{source_file}: key 'data.download"
    if not isinstance(raw, dict):
        raise _fail(where + "'", "must be a mapping")
    unknown = sorted(set(raw) - set(DOWNLOAD_KEYS))
    if unknown:
        raise _fail(f"{where}.{unknown[0]}'", f"unknown key; allowed: {', '.join(DOWNLOAD_KEYS)}")
    files: list[FileDownload] = []
    for index, item in enumerate(raw.get("files") or []):
        here = f"{where}.files[{index}]'"
        if not isinstance(item, dict):
            raise _fail(here, "must be a mapping with url and unpack")
        bad = sorted(set(item) - set(FILE_KEYS))
        if bad:
            raise _fail(here, f"unknown key {bad[0]!r}; allowed: {', '.join(FILE_KEYS)}")
        if not isinstance(item.get("url"), str) or "://" not in item["url"]:
            raise _fail(here, "needs 'url', an address such as https://...")
        name = item.get("unpack")
        if name not in UNPACKERS:
            raise _fail(here, f"unknown unpacker {name!r}; known: {', '.join(UNPACKERS)}")
        args = item.get("args") or {}
        allowed, required = UNPACKERS[name]
        if not isinstance(args, dict) or set(args) - set(allowed) or set(required) - set(args):
            raise _fail(here, f"unpacker {name!r} takes {', '.join(allowed) or 'no arguments'}"
                        + (f" (required: {', '.join(required)})" if required else ""))
        languages = item.get("languages")
        expansions = [{}] if languages is None else [{"lang": lang} for lang in _strings(languages, here)]
        for values in expansions:
            try:
                files.append(FileDownload(item["url"].format(**values), name,
                                          {k: str(v).format(**values) for k, v in args.items()}))
            except (KeyError, IndexError, ValueError) as err:
                raise _fail(here, f"bad placeholder ({err}); only {{lang}}, with 'languages', is known") from None
    manual = raw.get("manual", "")
    if not isinstance(manual, str):
        raise _fail(f"{where}.manual'", "must be a sentence saying what to fetch and where to put it")
    manual_unpack = raw.get("manual_unpack", "")
    if manual_unpack and manual_unpack not in MANUAL_UNPACKERS:
        raise _fail(f"{where}.manual_unpack'", f"unknown unpacker {manual_unpack!r}; known: {', '.join(MANUAL_UNPACKERS)}")
    bundle = raw.get("bundle", task_name)
    if not isinstance(bundle, str) or not bundle:
        raise _fail(f"{where}.bundle'", "must be a name")
    return DownloadSpec(bundle=bundle, files=tuple(files), also=_strings(raw.get("also", []), f"{where}.also'"),
                        manual=manual, manual_files=_strings(raw.get("manual_files", []), f"{where}.manual_files'"),
                        manual_unpack=manual_unpack, source_file=source_file)


# --------------------------------------------------------------------------- building the table


def bundle_specs(tasks: list[tuple[str, DownloadSpec | None]]) -> dict[str, DownloadSpec]:
    """One defining spec per bundle; a bundle defined twice, or named and never defined, is an error."""
    defined: dict[str, DownloadSpec] = {}
    for _name, spec in tasks:
        if spec is None or not spec.defines:
            continue
        if spec.bundle in defined:
            raise HarnessError(f"{spec.source_file}: key 'data.download': bundle {spec.bundle!r} is already "
                               f"defined in {defined[spec.bundle].source_file}; name it with `bundle:` only")
        defined[spec.bundle] = spec
    for _name, spec in tasks:
        if spec is None:
            continue
        for bundle in (spec.bundle, *spec.also):
            if bundle not in defined:
                raise HarnessError(f"{spec.source_file}: key 'data.download' names bundle {bundle!r}, "
                                   "which no task spec defines (files or manual)")
    return defined
