"""The model a run starts from, as its spec says: the locally built tiny model (mini suite),
an importer (`harness models import-e5-small`), a local model folder, or a hub id.

`identity_of` says what the model is without loading it (the model step's key);
`prepare_model` makes a local encoder folder, cached like every other checkpoint.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from harness.errors import HarnessError
from harness.models.identity import model_identity
from harness.models.specs import ModelSpec
from harness.pipeline.checkpoints import CheckpointStore
from harness.pipeline.plan import RunSettings
from harness.pipeline.ranks import on_main
from harness.spec import SuiteSpec

log = logging.getLogger(__name__)

TINY = "tiny"
# The tiny model's brief MLM phase on the mini corpus (before any variant).
TINY_SIZES = {"vocab_size": 2000, "hidden_size": 64, "layers": 2, "heads": 2}
TINY_MLM_HP = {"learning_rate": 5.0e-4, "batch_size": 32, "max_seq_length": 48, "epochs": 3, "warmup": 0.05}


def _mlm_languages(suite: SuiteSpec) -> list[str]:
    return list(suite.languages or ("en",))


def identity_of(spec: ModelSpec, suite: SuiteSpec, checksum, work_dir: Path | None = None) -> str:
    """The model's identity: for the tiny builder its sizes, recipe and corpus checksums."""
    inputs = ""
    if spec.source.kind == "builder":
        if spec.source.name != TINY:
            raise HarnessError(f"{spec.source_file}: unknown model builder {spec.source.name!r} (known: {TINY})")
        corpora = {lang: checksum("mlm", lang, "train") for lang in _mlm_languages(suite)}
        inputs = hashlib.sha256(repr((TINY_SIZES, TINY_MLM_HP, sorted(corpora.items()))).encode()).hexdigest()
    memo = Path(work_dir) / "model-hashes.json" if work_dir is not None else None
    return model_identity(spec, memo, inputs)


def prepare_model(spec: ModelSpec, store: CheckpointStore, key: str, data_dir: Path, suite: SuiteSpec,
                  settings: RunSettings) -> Path:
    """A folder holding `encoder/`: built, imported or copied once per identity."""
    return store.get_or_build("model", key, lambda out: _build(spec, out, data_dir, suite, settings))


def _build(spec: ModelSpec, out: Path, data_dir: Path, suite: SuiteSpec, settings: RunSettings) -> None:
    source = spec.source
    if source.kind == "builder":
        _build_tiny(out, data_dir, suite, settings)
    elif source.kind == "importer":
        if source.name != "e5-small":
            raise HarnessError(f"{spec.source_file}: unknown model importer {source.name!r} (known: e5-small)")
        from harness.models.e5_import import import_e5_small

        on_main(lambda: import_e5_small(out / "encoder"))
    else:
        from harness.models.encoder import load_encoder

        def copy() -> None:
            encoder, tokenizer = load_encoder(source.name, offline=settings.offline, revision=source.revision)
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
