"""Trained checkpoints on disk, keyed by content; a step is trained at most once.

Training writes into `<key>.partial/` and renames it to `<key>/` only when it finished, so a
killed run leaves nothing that looks complete; the next run removes the partial folder and
trains again. Under a launcher every rank builds (trains) and rank 0 alone touches folders.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from harness.pipeline.ranks import barrier, on_main

log = logging.getLogger(__name__)


class CheckpointStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, kind: str, key: str) -> Path:
        return self.root / f"{kind}-{key}"

    def has(self, kind: str, key: str) -> bool:
        return self.path(kind, key).is_dir()

    def get_or_build(self, kind: str, key: str, build: Callable[[Path], None]) -> Path:
        """The finished folder for `key`, calling `build(tmp_dir)` first if it does not exist."""
        final = self.path(kind, key)
        if final.is_dir():
            log.info("reusing %s checkpoint %s", kind, final)
            return final
        partial = final.with_name(final.name + ".partial")

        def start() -> None:
            if partial.exists():
                log.warning("removing an interrupted %s checkpoint: %s", kind, partial)
                shutil.rmtree(partial)
            partial.mkdir(parents=True)

        on_main(start)
        build(partial)
        barrier()
        on_main(lambda: partial.rename(final))
        return final
