"""Readers: one function per published file format, each returning typed examples.

Every reader takes a path (and, where a file mixes languages, a language) and raises
``HarnessError("<file>:<line>: ...")`` on malformed input, so a broken download is
reported where it is broken instead of surfacing as a shape error during training.

- ``pair``: XTREME-preprocessed XNLI / PAWS-X tsv, raw XNLI-1.0, XNLI-MT, PAWS-X x-final,
  MNLI / SNLI / ANLI jsonl, GLUE MNLI and QQP tsv.
- ``tagging``: token<TAB>tag files (PAN-X / UD-POS as XTREME preprocesses them, WikiANN
  with its ``lang:`` prefix), CoNLL-U (UPOS), CCG supertags.
- ``qa``: SQuAD-format json (SQuAD v1.1 / v2.0, XQuAD, MLQA, TyDiQA-GoldP).
- ``choice``: HellaSwag, Cosmos QA, CommonsenseQA.
- ``retrieval``: Tatoeba pairs and BUCC 2018 mining sets.
- ``text``: plain text corpora for MLM.
"""
