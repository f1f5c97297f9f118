"""Featurisation and decoding of every head, checked exactly on hand-made inputs (no training)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.data.examples import Answer, MultipleChoiceExample, QAExample, TaggedSentence
from harness.errors import HarnessError

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tokenizer():
    from harness.models.tiny import build_tiny_tokenizer
    from harness.train import synthetic

    return build_tiny_tokenizer(synthetic.corpus(500), vocab_size=500)


def test_first_subtoken_labels_and_words_back(tokenizer):
    from harness.train.features import label_index
    from harness.train.tagging import IGNORE, decode_tagged, encode_tagged

    labels = ["O", "B-PER", "B-LOC"]
    short = TaggedSentence("s", ["kamilo", "wuwu", "de", "yoyo"], ["O", "B-PER", "O", "B-LOC"])
    long_tokens = [["rutaso", "wuwu", "pa", "yoyo", "mokune"][i % 5] for i in range(40)]
    long = TaggedSentence("l", long_tokens, [{"wuwu": "B-PER", "yoyo": "B-LOC"}.get(t, "O")
                                              for t in long_tokens])
    encoded = encode_tagged(tokenizer, [short, long], 24, label_index(labels))

    first = [i for i, m in enumerate(encoded.meta) if m["example"] == 0]
    assert len(first) == 1  # fits in one window
    feature, words = encoded.features[0], encoded.meta[0]["words"]
    labelled = [(pos, w) for pos, w in enumerate(words) if w is not None]
    assert [w for _, w in labelled] == [0, 1, 2, 3]  # every word once, in order
    for pos, label in enumerate(feature["labels"]):
        expected = IGNORE if words[pos] is None else labels.index(short.tags[words[pos]])
        assert label == expected
    # the first labelled position of each word is the word's first sub-token
    ids = feature["input_ids"]
    for pos, word in labelled:
        assert tokenizer.decode([ids[pos]]).strip() == "" or \
            short.tokens[word].startswith(tokenizer.decode([ids[pos]]).strip())

    windows = [m for m in encoded.meta if m["example"] == 1]
    assert len(windows) > 1 and all(len(f["input_ids"]) <= 24 for f in encoded.features)
    seen = sorted(w for m in windows for w in m["words"] if w is not None)
    assert seen == list(range(len(long_tokens)))  # windows cover every word exactly once

    # Decoding one-hot "logits" made from the gold labels gives the gold tags back.
    logits = [np.eye(3)[[max(label, 0) for label in f["labels"]]] for f in encoded.features]
    assert decode_tagged([short, long], encoded, logits, dict(enumerate(labels)), "O") == \
        [short.tags, long.tags]


def test_unknown_tag_is_a_clear_error(tokenizer):
    from harness.train.tagging import encode_tagged

    with pytest.raises(HarnessError, match="tag 'B-ORG' is not one of"):
        encode_tagged(tokenizer, [TaggedSentence("x1", ["ka"], ["B-ORG"])], 16, {"O": 0})


def _qa(qid, context, answer=None, start=None):
    answers = [] if answer is None else [Answer(answer, context.index(answer) if start is None else start)]
    return QAExample(qid, "t", context, "kamo rune ?", answers, answer is None)


def test_qa_windows_hold_the_answer_span(tokenizer):
    from harness.train.qa import encode_qa

    context = " ".join(["rutaso", "pa", "mokune", "de"] * 12) + " xiyu " + " ".join(["so"] * 20)
    examples = [_qa("long", context, "xiyu"), _qa("none", "pa de so", None),
                _qa("off", "ka xiyu lo", "xiyu", start=0)]  # wrong offset, found by search
    encoded = encode_qa(tokenizer, examples, 32, 8, 64, training=True)
    long_windows = [(f, m) for f, m in zip(encoded.features, encoded.meta, strict=True)
                    if m["example"] == 0]
    assert len(long_windows) > 3
    hits = 0
    for feature, meta in long_windows:
        assert len(feature["input_ids"]) <= 32
        s, e = feature["start_positions"], feature["end_positions"]
        if (s, e) == (meta["cls"], meta["cls"]):
            continue
        hits += 1
        assert context[meta["offsets"][s][0]:meta["offsets"][e][1]].strip() == "xiyu"
    assert hits >= 1
    none = [f for f, m in zip(encoded.features, encoded.meta, strict=True) if m["example"] == 1]
    assert all(f["start_positions"] == f["end_positions"] == 0 for f in none)
    off = [(f, m) for f, m in zip(encoded.features, encoded.meta, strict=True) if m["example"] == 2]
    f, m = off[0]
    assert "ka xiyu lo"[m["offsets"][f["start_positions"]][0]:m["offsets"][f["end_positions"]][1]].strip() == "xiyu"
    with pytest.raises(HarnessError, match="does not occur"):
        encode_qa(tokenizer, [_qa("bad", "ka lo", "ka", start=0).__class__(
            "bad", "t", "ka lo", "q", [Answer("zz", 0)], False)], 32, 8, 64, training=True)


def test_qa_postprocessing_exact_on_hand_made_logits():
    from harness.train.qa import postprocess_qa

    context = "alpha beta gamma delta epsilon"
    #          0     6    11    17    23
    words = [(0, 5), (6, 10), (11, 16), (17, 22), (23, 30)]
    example = QAExample("q1", "t", context, "q", [Answer("gamma", 11)], False)
    # window 0: <s> q </s> </s> alpha beta gamma </s>; window 1: ... gamma delta epsilon
    meta = [{"example": 0, "cls": 0, "offsets": [None, None, None, None, *words[:3], None]},
            {"example": 0, "cls": 0, "offsets": [None, None, None, None, *words[2:], None]}]
    low = -10.0
    s0, e0, s1, e1 = (np.full(8, low) for _ in range(4))
    s0[1] = e0[1] = 9.0  # the question token: never an answer
    s0[5], e0[6] = 3.0, 2.0  # "beta gamma" in window 0: 5.0
    s1[4], e1[6] = 4.0, 3.0  # "gamma .. epsilon" in window 1: 7.0, 3 tokens
    s0[0] = e0[0] = 1.0  # null score 2.0 (the lower of both windows counts)
    s1[0] = e1[0] = 2.5

    def run(**kw):
        return postprocess_qa([example], meta, [s0, s1], [e0, e1], n_best=5, **kw)["q1"]

    assert run(max_answer_length=30) == "gamma delta epsilon"
    assert run(max_answer_length=2) == "beta gamma"  # the 3-token span is too long
    s1[6], e1[5] = 5.0, 4.5  # "epsilon".."delta" (9.5) ends before it starts: skipped
    assert run(max_answer_length=30) == "gamma delta"  # 4.0 + 4.5
    s1[6] = e1[5] = low
    # SQuAD v2: no answer when the (lowest) null score beats the best span by more than the
    # threshold
    s0[0] = e0[0] = 4.0  # null 8.0
    s1[0] = e1[0] = 4.5  # null 9.0; best span 7.0
    assert run(max_answer_length=30, version_2_with_negative=True) == ""
    assert run(max_answer_length=30, version_2_with_negative=True,
               null_score_diff_threshold=1.5) == "gamma delta epsilon"
    assert run(max_answer_length=30) == "gamma delta epsilon"  # v1 always answers
    # n_best limits the candidates: with one start and one end only, the best pair is invalid
    for logits in (s0, e0, s1, e1):
        logits[:] = low
    s0[6], e0[5] = 5.0, 5.0  # best start after best end
    s0[4], e0[4] = 4.0, 4.0
    assert postprocess_qa([example], meta, [s0, s1], [e0, e1], n_best=1)["q1"] == ""
    assert postprocess_qa([example], meta, [s0, s1], [e0, e1], n_best=2)["q1"] == "alpha beta"  # 4.0 + 5.0


def test_multiple_choice_encoding_and_collation(tokenizer):
    from harness.train.choice import MultipleChoiceCollator, encode_choices

    examples = [MultipleChoiceExample("a", "ka lo mi", "ne ?", ["ru", "ta so", "vi", "de pa ku"], 2),
                MultipleChoiceExample("b", "", "mo ka ?", ["lo", "mi", "ne", "ru ta"], 0)]
    encoded = encode_choices(tokenizer, examples, 16, training=True)
    batch = MultipleChoiceCollator(tokenizer)(encoded.features)
    assert batch["input_ids"].shape[:2] == (2, 4) and batch["labels"].tolist() == [2, 0]
    assert (batch["attention_mask"].sum(-1) > 0).all()
    with pytest.raises(HarnessError, match="one count"):
        encode_choices(tokenizer, [examples[0], MultipleChoiceExample("c", "x", "y", ["a"], 0)],
                       16, training=True)


def test_mlm_blocks_stream_the_corpus(tokenizer):
    from harness.train.mlm import encode_corpus

    lines = ["ka lo mi ne", "", "ru ta so vi de pa ku mo"] * 5
    encoded = encode_corpus(tokenizer, lines, 16)
    blocks = [f["input_ids"] for f in encoded.features]
    assert all(len(b) <= 16 for b in blocks) and all(len(b) == 16 for b in blocks[:-1])
    assert all(b[0] == tokenizer.cls_token_id and b[-1] == tokenizer.sep_token_id for b in blocks)
    inner = [i for b in blocks for i in b[1:-1]]
    expected = []
    for line in [x for x in lines if x]:
        expected += tokenizer(line, add_special_tokens=False)["input_ids"] + [tokenizer.sep_token_id]
    assert inner == expected  # nothing lost, nothing padded
    assert all(m == int(i in tokenizer.all_special_ids)
               for f in encoded.features for i, m in zip(f["input_ids"], f["special_tokens_mask"], strict=True))


def test_hyperparameters_are_validated():
    from harness.train.hyperparams import Hyperparameters

    hp = Hyperparameters.from_dict({"lr": 3e-5, "batch_size": 32, "num_train_epochs": 2,
                                    "doc_stride": 128, "warmup_ratio": 0.06})
    assert (hp.learning_rate, hp.epochs, hp.warmup, hp.per_device_eval_batch_size) == (3e-5, 2.0, 0.06, 64)
    for bad, message in [({"learning_rat": 1e-5}, "unknown hyperparameter 'learning_rat'"),
                         ({"batch_size": 0}, "batch_size must be positive"),
                         ({"batch_size": 2.5}, "whole number"),
                         ({"epochs": 0}, "epochs > 0 or max_steps"),
                         ({"version_2_with_negative": "yes"}, "true or false")]:
        with pytest.raises(HarnessError, match=message):
            Hyperparameters.from_dict(bad, "tasks/x.yaml")


def test_deepspeed_configs_resolve(tmp_path):
    from harness.train.distributed import deepspeed_label, resolve_deepspeed

    zero2, zero3 = resolve_deepspeed("zero2"), resolve_deepspeed("zero3_offload")
    assert zero2["zero_optimization"]["stage"] == 2 and zero2["bf16"]["enabled"] == "auto"
    assert zero2["optimizer"]["params"]["torch_adam"] is True
    assert zero3["zero_optimization"]["stage"] == 3
    assert zero3["zero_optimization"]["offload_optimizer"]["device"] == "cpu"
    assert zero3["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"] is True
    assert resolve_deepspeed(None) is None and resolve_deepspeed("none") is None
    own = tmp_path / "ds.json"
    own.write_text('{"zero_optimization": {"stage": 1}}')
    assert resolve_deepspeed(str(own)) == {"zero_optimization": {"stage": 1}}
    assert deepspeed_label(str(own)) == "ds.json"
    broken = tmp_path / "broken.json"
    broken.write_text('{\n "a": 1,\n}')
    with pytest.raises(HarnessError, match=r"broken.json:3: not valid JSON"):
        resolve_deepspeed(str(broken))
    with pytest.raises(HarnessError, match="no such file"):
        resolve_deepspeed(str(tmp_path / "missing.json"))
