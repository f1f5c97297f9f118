"""A tiny, randomly initialised XLM-R built locally in under a second.

Why: the offline default suite and the tests need a real transformers encoder (same
architecture and tokenizer family as XLM-R) without a model hub. The tokenizer is a
`tokenizers` Unigram model (XLM-R's own algorithm) trained on the texts given, wrapped in
`PreTrainedTokenizerFast` with XLM-R's special tokens, so every head and the Trainer see
exactly what they would see with the real model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from harness.errors import HarnessError

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # XLM-R's ids 0..3, then mask


def build_tiny_tokenizer(texts: Iterable[str], vocab_size: int = 2000):
    """Train a Unigram tokenizer on `texts` and wrap it like XLM-R's fast tokenizer."""
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from tokenizers.trainers import UnigramTrainer
    from transformers import PreTrainedTokenizerFast

    lines = [t for t in texts if t and t.strip()]
    if not lines:
        raise HarnessError("build_tiny_model: no non-empty text to train the tokenizer on; "
                           "pass at least one sentence")
    tok = Tokenizer(Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = UnigramTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                             unk_token="<unk>", show_progress=False)
    tok.train_from_iterator(lines, trainer=trainer)
    # The trainer runs in parallel: scores differ in the last float bits from run to run and
    # pieces of equal score come in any order. Round the scores and impose a total order so
    # the same texts always give the same ids and the same files.
    vocab = json.loads(tok.to_str())["model"]["vocab"]
    specials = vocab[: len(SPECIAL_TOKENS)]
    pieces = [[piece, round(score, 6)] for piece, score in vocab[len(SPECIAL_TOKENS):]]
    pieces.sort(key=lambda piece_score: (-piece_score[1], piece_score[0]))
    tok.model = Unigram([tuple(v) for v in specials + pieces], unk_id=SPECIAL_TOKENS.index("<unk>"),
                        byte_fallback=False)
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",  # XLM-R's pair template
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>",
        cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=512,
    )


def build_tiny_model(out_dir: str | Path, texts: Iterable[str], vocab_size: int = 2000,
                     hidden_size: int = 64, layers: int = 2, heads: int = 2,
                     seed: int = 0) -> Path:
    """Build and save a tiny XLM-R encoder + tokenizer into `out_dir`; returns `out_dir`.

    Deterministic for a given (texts, sizes, seed): the same folder contents every time.
    """
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    out = Path(out_dir)
    tokenizer = build_tiny_tokenizer(texts, vocab_size)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden_size, num_hidden_layers=layers,
        num_attention_heads=heads, intermediate_size=4 * hidden_size,
        max_position_embeddings=514, type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = XLMRobertaModel(config)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
