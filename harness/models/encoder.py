"""Load a pretrained encoder and its tokenizer from a local folder or a hub id, offline first.

Why offline by default: the harness runs in containers and CI without a network; a hub call
without a cache hangs for tens of seconds and then fails obscurely. We fail at once with a
message that says how to get the model instead.
"""

from __future__ import annotations

from pathlib import Path

from harness.errors import HarnessError


def resolve_encoder(name_or_path: str | Path, offline: bool = True) -> str:
    """Return a local folder or a hub id that `from_pretrained` can open, or raise HarnessError."""
    path = Path(name_or_path)
    if path.exists():
        if not (path / "config.json").is_file():
            raise HarnessError(f"{path}: not a model folder (no config.json); build one with "
                               "harness.models.tiny.build_tiny_model or import one with "
                               "`harness models import-e5-small`")
        return str(path)
    name = str(name_or_path)
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise HarnessError(f"{name}: model folder does not exist; check the path")
    if offline:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(name, "config.json")
        if not isinstance(cached, str):
            raise HarnessError(
                f"{name}: not in the local Hugging Face cache and the harness is offline; "
                "set --online to download it, or import the model with "
                "`harness models import-e5-small` (multilingual-e5-small) and pass its folder")
    return name


def load_encoder(name_or_path: str | Path, offline: bool = True, revision: str | None = None):
    """Return (AutoModel, tokenizer) for a local folder or hub id (at `revision` when the model
    spec pins one); offline unless told otherwise."""
    from transformers import AutoModel, AutoTokenizer

    source = resolve_encoder(name_or_path, offline)
    pinned = {"revision": revision} if revision and not Path(source).exists() else {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=offline, **pinned)
        model = AutoModel.from_pretrained(source, local_files_only=offline, **pinned)
    except OSError as exc:
        raise HarnessError(f"{name_or_path}: cannot load the model ({exc}); set --online or "
                           "import the model with `harness models import-e5-small`") from exc
    return model, tokenizer
