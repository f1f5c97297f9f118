"""Continued masked-language-model training (the reference study's MLM control).

The corpus is read as a stream, as XLM-R was pretrained: lines are tokenised, joined with
</s> and cut into full blocks of max_seq_length tokens, so no compute is spent on padding.
Masking is DataCollatorForLanguageModeling's (15% of tokens by default: 80% <mask>, 10%
random, 10% kept), seeded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.train.distributed import DEFAULT_DEEPSPEED
from harness.train.features import Encoded
from harness.train.heads import new_head
from harness.train.hyperparams import Hyperparameters
from harness.train.runner import TrainedModel, as_hyperparameters, run_trainer


def encode_corpus(tokenizer, lines: Sequence[str], max_seq_length: int) -> Encoded:
    """Blocks of `<s> ... </s>` of at most max_seq_length tokens from the joined lines."""
    lines = [line.strip() for line in lines if line and line.strip()]
    if not lines:
        raise HarnessError("MLM corpus: no non-empty lines; check the corpus files")
    ids = tokenizer(lines, add_special_tokens=False)["input_ids"]
    cls = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    sep = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    if cls is None or sep is None:
        raise HarnessError("MLM: the tokenizer has no <s>/</s> (or [CLS]/[SEP]) tokens")
    special = set(tokenizer.all_special_ids)
    stream: list[int] = []
    for line_ids in ids:
        stream.extend(line_ids)
        stream.append(sep)
    block = max_seq_length - 2
    if block < 1:
        raise HarnessError(f"max_seq_length {max_seq_length} is too short for MLM blocks")
    features = []
    for start in range(0, len(stream), block):
        chunk = [cls, *stream[start:start + block], sep]
        features.append({"input_ids": chunk, "attention_mask": [1] * len(chunk),
                         "special_tokens_mask": [int(i in special) for i in chunk]})
    return Encoded(features, [])


def train_mlm(encoder_dir: str | Path, corpus_lines: Sequence[str], out_dir: str | Path,
              hp: Hyperparameters | dict[str, Any] | None, seed: int,
              deepspeed: str | Path | dict | None = DEFAULT_DEEPSPEED,
              max_steps: int | None = None) -> TrainedModel:
    """Continue MLM training of the encoder; saves the model with its LM head in `out_dir`.

    The LM head is new when the encoder folder has none (it is tied to the input embeddings,
    so only its bias and transform are fresh). Pass the result to `save_encoder_only`.
    """
    from transformers import (
        AutoModelForMaskedLM,
        AutoTokenizer,
        DataCollatorForLanguageModeling,
        set_seed,
    )

    hp = as_hyperparameters(hp)
    set_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    if tokenizer.mask_token is None:
        raise HarnessError(f"{encoder_dir}: the tokenizer has no mask token; MLM needs one")
    model = new_head(encoder_dir, AutoModelForMaskedLM, seed)  # the LM head is new when the encoder has none
    encoded = encode_corpus(tokenizer, corpus_lines, hp.max_seq_length)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=hp.mlm_probability,
                                               seed=seed)
    return run_trainer(model, tokenizer, encoded.dataset(), collator, out_dir, hp, seed, "mlm",
                       deepspeed, max_steps)
