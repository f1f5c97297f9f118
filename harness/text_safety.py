"""Strings from result files made safe for every output: HTML, CSV, Markdown and the terminal.

A result record is user input: its names and notes may hold control characters (NUL, ESC
sequences that repaint a terminal), text a spreadsheet runs as a formula (`=cmd|' /C calc'!A0`),
or a megabyte of text that would be copied into every page of the site. HTML escaping alone
answers none of these, so every writer passes such strings through the functions here.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

NAME_LIMIT = 200
NOTE_LIMIT = 2000
ELLIPSIS = "…"

# C0 controls, DEL and C1 controls; bidirectional overrides and isolates (they reorder what a reader sees).
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL_NO_LAYOUT = re.compile(f"[{_CONTROLS}\t\n]")
_CONTROL_KEEP_LAYOUT = re.compile(f"[{_CONTROLS}]")
_SPACES = re.compile(r"[\t\n]+")
# OWASP's list for CSV injection: a cell starting with one of these may be run as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strip_controls(text: str, *, keep_layout: bool = False) -> str:
    """`text` without control characters; tab and newline survive only with `keep_layout`."""
    return (_CONTROL_KEEP_LAYOUT if keep_layout else _CONTROL_NO_LAYOUT).sub("", text)


def cap(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, marked with an ellipsis and a short hash of the whole.

    The hash keeps two long names that share their first characters apart after cutting.
    """
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    keep = max(limit - len(ELLIPSIS) - len(digest) - 1, 0)
    return f"{text[:keep]}{ELLIPSIS} {digest}"[:limit]


def safe_name(text: Any) -> str:
    """A name (experiment, variant, model, protocol value) for display: one line, no controls, capped."""
    text = _SPACES.sub(" ", str(text))
    return cap(strip_controls(text), NAME_LIMIT)


def safe_note(text: Any) -> str:
    """Free text (notes): newlines and tabs kept, other controls dropped, capped."""
    return cap(strip_controls(str(text), keep_layout=True), NOTE_LIMIT)


def visible(text: Any) -> str:
    """Text for the terminal: control characters shown as escapes (`\\x1b`) instead of being obeyed."""
    return _CONTROL_KEEP_LAYOUT.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def csv_cell(value: Any) -> Any:
    """A CSV cell no spreadsheet runs as a formula; numbers and other non-strings pass unchanged."""
    if not isinstance(value, str):
        return value
    if value.lstrip(" ").startswith(_FORMULA_START):   # some spreadsheets skip leading spaces
        return "'" + value
    return value


__all__ = ["NAME_LIMIT", "NOTE_LIMIT", "cap", "csv_cell", "safe_name", "safe_note", "strip_controls", "visible"]
