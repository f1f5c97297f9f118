"""Argument types shared by subcommands: bad numbers are refused when the line is parsed.

Why at parse time: `retrieve --batch-size 0` once grew to 23 GB before the kernel killed it;
argparse names the option and exits 2 before anything is loaded.
"""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """An ``int`` >= 1 (sizes, counts, batch lengths)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
