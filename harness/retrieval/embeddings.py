"""Sentence embeddings from a hidden layer of an encoder, with an on-disk cache.

Why a middle layer: XTREME scores retrieval on pretrained encoders whose last layers are
specialised for masked-LM prediction; their middle layers align languages better (XLM-R
Large: mean pooling of layer 14 of 24, mBERT: layer 8 of 12). The layer is the model spec's
(tasks/models/), resolved once in the plan for every variant, and always recorded. Layer
numbers count transformer blocks from 1; 0 is the embedding output (``hidden_states[layer]``).

Why length-sorted batches: padding is wasted compute; sorting by token count and restoring
the order afterwards cuts it to almost nothing on corpora of mixed sentence lengths.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from harness.errors import HarnessError
from harness.models.specs import RetrievalProtocol

log = logging.getLogger(__name__)

POOLINGS = ("mean", "cls")

def protocol_for(model: str | Path, layer: int | None = None, pooling: str | None = None,
                 prefix: str | None = None, max_length: int | None = None) -> RetrievalProtocol:
    """The retrieval protocol of a model id or folder from its model spec (tasks/models/), or the
    generic spec of a folder or hub id: nothing is guessed from the folder's name. An imported
    folder names its origin in harness_import.json; any other takes ~60% of its config's depth."""
    from harness.spec import default_registry

    spec = default_registry().model(str(model))
    return spec.retrieval_protocol(layer=layer, pooling=pooling, prefix=prefix, max_length=max_length)


def sentences_checksum(sentences: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for sentence in sentences:
        digest.update(sentence.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class EmbeddingSettings:
    """Everything that changes the vectors; all of it goes into the cache key and the record."""

    layer: int
    pooling: str = "mean"
    max_length: int = 512
    prefix: str = ""
    precision: str = "fp32"  # fp32 on CPU; bf16 or fp16 autocast on GPU

    def __post_init__(self) -> None:
        if self.pooling not in POOLINGS:
            raise HarnessError(f"--pooling {self.pooling!r}: choose one of {', '.join(POOLINGS)}")
        if self.layer < 0:
            raise HarnessError(f"--layer {self.layer}: must be >= 0 (0 is the embedding output)")


def _resolve_device(device: str | None) -> str:
    import torch

    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def _precision_for(device: str) -> str:
    import torch

    if not device.startswith("cuda"):
        return "fp32"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


# Post-LayerNorm encoders whose output is the last block's output, unchanged: running only
# the first L blocks gives hidden_states[L] as last_hidden_state, at L/num_layers of the cost.
TRUNCATABLE = ("bert", "xlm-roberta", "roberta", "camembert")


@contextlib.contextmanager
def _only_first_layers(model, layers: int):
    """Run only the first ``layers`` blocks; yields whether the model was truncated."""
    import torch

    encoder = getattr(model, "encoder", None)
    blocks = getattr(encoder, "layer", None)
    if (getattr(model.config, "model_type", None) not in TRUNCATABLE or layers < 1
            or not isinstance(blocks, torch.nn.ModuleList)):
        yield False
        return
    encoder.layer = blocks[:layers]
    try:
        yield True
    finally:
        encoder.layer = blocks


def plan_batches(lengths: np.ndarray, order: np.ndarray, batch_size: int, max_tokens: int) -> list[np.ndarray]:
    """Consecutive slices of ``order`` with at most ``batch_size`` rows and, padded, about
    ``max_tokens`` tokens (never fewer than one row). Sorted orders give big batches of short
    sentences and small batches of long ones."""
    batches, start, n = [], 0, len(order)
    while start < n:
        end, longest = start, 0
        while end < n and end - start < batch_size:
            longest_next = max(longest, int(lengths[order[end]]))
            if end > start and longest_next * (end - start + 1) > max_tokens:
                break
            longest, end = longest_next, end + 1
        batches.append(order[start:end])
        start = end
    return batches


def encode_sentences(
    model,
    tokenizer,
    sentences: Sequence[str],
    settings: EmbeddingSettings,
    batch_size: int = 256,
    max_tokens: int = 4096,
    sort_by_length: bool = True,
    device: str | None = None,
    progress: bool = True,
    desc: str = "embedding",
) -> np.ndarray:
    """(n, hidden) float32 pooled hidden states of ``settings.layer``, in the input order."""
    import torch

    from harness.logs import progress as progress_bar

    num_layers = int(model.config.num_hidden_layers)
    if settings.layer > num_layers:
        raise HarnessError(f"--layer {settings.layer}: the model has only {num_layers} layers")
    n = len(sentences)
    out = np.zeros((n, int(model.config.hidden_size)), dtype=np.float32)
    if n == 0:
        return out
    device = _resolve_device(device)
    model.to(device).eval()
    max_length = min(settings.max_length, int(getattr(model.config, "max_position_embeddings", 512)))
    texts = [settings.prefix + s for s in sentences]
    ids = tokenizer(texts, truncation=True, max_length=max_length, add_special_tokens=True)["input_ids"]
    lengths = np.array([len(x) for x in ids])
    order = np.argsort(-lengths, kind="stable") if sort_by_length else np.arange(n)
    batches = plan_batches(lengths, order, batch_size, max_tokens)
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16 if settings.precision == "bf16" else torch.float16)
        if settings.precision in ("bf16", "fp16") and device.startswith("cuda")
        else contextlib.nullcontext()
    )
    with (torch.inference_mode(), autocast, _only_first_layers(model, settings.layer) as truncated,
          progress_bar(total=n, desc=desc, disable=not progress, unit="sent") as bar):
        for index in batches:
            batch = tokenizer.pad([{"input_ids": ids[i]} for i in index], return_tensors="pt")
            input_ids, attention = batch["input_ids"].to(device), batch["attention_mask"].to(device)
            if truncated:
                hidden = model(input_ids=input_ids, attention_mask=attention).last_hidden_state
            else:
                hidden = model(input_ids=input_ids, attention_mask=attention,
                               output_hidden_states=True).hidden_states[settings.layer]
            if settings.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            out[index] = pooled.float().cpu().numpy()
            bar.update(len(index))
    return out


@dataclass(frozen=True)
class CacheKey:
    """What identifies cached vectors. ``split`` and ``layer`` are named in the file name too."""

    model: str
    weights: str
    task: str
    language: str
    side: str
    split: str
    data: str
    settings: EmbeddingSettings

    def digest(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:20]

    def filename(self) -> str:
        s = self.settings
        return (f"{self.task}.{self.language}.{self.side}.{self.split}.layer{s.layer}."
                f"{s.pooling}.len{s.max_length}.{s.precision}.{self.digest()}.npy")


def checksum_path(path: Path) -> Path:
    """The sidecar holding the sha256 of a cached matrix's bytes."""
    return path.with_name(path.name + ".sha256")


def array_sha256(array: np.ndarray) -> str:
    """sha256 over the float32 values in row order (the dtype and shape are checked apart)."""
    return hashlib.sha256(memoryview(np.ascontiguousarray(array, dtype=np.float32)).cast("B")).hexdigest()


def load_cached(path: Path, rows: int) -> np.ndarray | None:
    """The cached matrix, or None (with one warning) if it is corrupt, unverifiable or the wrong shape.

    Why the sidecar hash: finite garbage (a disk fault, a stray write, a cache copied between
    machines by hand) loads as a valid matrix and silently changes retrieval scores.
    """
    if not path.is_file():
        return None
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        log.warning("%s: unreadable embedding cache (%s); recomputing", path, err)
        return None
    if array.ndim != 2 or array.shape[0] != rows or array.dtype != np.float32 or not np.isfinite(array).all():
        log.warning("%s: embedding cache has shape %s %s, expected %d finite float32 rows; recomputing",
                    path, array.shape, array.dtype, rows)
        return None
    try:
        expected = checksum_path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        log.warning("%s: embedding cache has no readable checksum file; recomputing", path)
        return None
    if array_sha256(array) != expected:
        log.warning("%s: embedding cache differs from its sha256 (corrupted or changed); recomputing", path)
        return None
    return array


def save_cached(path: Path, array: np.ndarray) -> None:
    """Atomic writes of the matrix and its sha256, so an interrupted run leaves nothing trusted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    array = np.ascontiguousarray(array, dtype=np.float32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    side = checksum_path(path)
    side_tmp = side.with_name(f".{side.name}.{os.getpid()}.tmp")
    side_tmp.write_text(array_sha256(array) + "\n", encoding="ascii")
    with tmp.open("wb") as handle:
        np.save(handle, array, allow_pickle=False)
    side_tmp.replace(side)
    tmp.replace(path)


class Embedder:
    """An encoder loaded once, embedding many sentence lists through the on-disk cache."""

    def __init__(
        self,
        model_dir: str | Path,
        protocol: RetrievalProtocol | None = None,
        layer: int | None = None,
        pooling: str | None = None,
        max_length: int | None = None,
        prefix: str | None = None,
        batch_size: int = 256,
        max_tokens: int = 4096,
        cache_dir: str | Path | None = None,
        device: str | None = None,
        offline: bool = True,
        progress: bool = True,
    ):
        """``protocol`` is the one the plan resolved for (model, task); without it, the model
        spec of ``model_dir`` (see `protocol_for`) with the given choices replacing parts of it."""
        from harness.models.encoder import load_encoder
        from harness.models.identity import HashMemo, folder_identity

        if protocol is None:
            protocol = protocol_for(model_dir, layer=layer, pooling=pooling, prefix=prefix, max_length=max_length)
        self.model_dir = str(model_dir)
        self.model, self.tokenizer = load_encoder(model_dir, offline=offline)
        self.device = _resolve_device(device)
        num_layers = int(self.model.config.num_hidden_layers)
        if protocol.layer > num_layers:
            raise HarnessError(f"--layer {protocol.layer}: the model {model_dir} has only {num_layers} layers")
        self.retrieval = protocol
        self.layer_rule = protocol.layer_rule
        self.settings = EmbeddingSettings(layer=protocol.layer, pooling=protocol.pooling,
                                          max_length=protocol.max_length, prefix=protocol.prefix,
                                          precision=_precision_for(self.device))
        self.num_layers = num_layers
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.cache_dir = Path(cache_dir) if cache_dir else None
        memo = HashMemo(self.cache_dir / "model-hashes.json" if self.cache_dir else None)
        self.fingerprint = (folder_identity(Path(model_dir), memo) if Path(model_dir).is_dir()
                            else f"hub:{model_dir}")
        self.progress = progress

    def protocol(self) -> dict:
        """The embedding half of a result record's protocol."""
        s = self.settings
        return {
            "layer": s.layer,
            "num_layers": self.num_layers,
            "layer_rule": self.layer_rule,
            "pooling": s.pooling,
            "pooling_detail": "mean over the attention mask (special tokens included)"
            if s.pooling == "mean" else "first token (<s>/[CLS])",
            "max_length": s.max_length,
            "text_prefix": s.prefix,
            "precision": s.precision,
            "device": self.device,
        }

    def embed(self, sentences: Sequence[str], task: str, language: str, side: str, split: str) -> np.ndarray:
        """Vectors for ``sentences`` (cached by model, weights, settings, split and data checksum)."""
        key = CacheKey(self.model_dir, self.fingerprint, task, language, side, split,
                       sentences_checksum(sentences), self.settings)
        path = self.cache_dir / key.filename() if self.cache_dir else None
        if path is not None:
            cached = load_cached(path, len(sentences))
            if cached is not None:
                log.info("%s %s %s: embeddings from cache %s", task, language, side, path.name)
                return cached
        vectors = encode_sentences(
            self.model, self.tokenizer, sentences, self.settings, batch_size=self.batch_size,
            max_tokens=self.max_tokens,
            device=self.device, progress=self.progress, desc=f"{task} {language} {side}",
        )
        if path is not None:
            save_cached(path, vectors)
        return vectors
