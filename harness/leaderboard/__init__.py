"""The static leaderboard: a pure function of result records (and the specs) → HTML, JSON, CSV.

`board` turns records into ranked score sheets per suite, `compare` computes differences to a
baseline variant and the English vs non-English question, `charts` lays out the inline SVG,
`export` writes JSON/CSV, and `site` renders the Jinja2 templates from `leaderboard/`.
The names below are imported on first use, so `harness.leaderboard.board` stays cheap to import.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_site", "leaderboard_dir", "render_site", "write_site"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from harness.leaderboard import site

        return getattr(site, name)
    raise AttributeError(f"module 'harness.leaderboard' has no attribute {name!r}")
