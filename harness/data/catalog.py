"""The task specs as the data layer sees them: a catalog that ``harness.spec`` registers.

Why a registration and not an import: the spec registry validates every YAML against the data
layer's readers, layouts and bundles, so it sits above the data layer; yet the data layer
resolves task names (``load_split(data_dir, "xnli", ...)``) and lists the downloads the specs
declare. Asking through this slot keeps every import pointing down the layers
(tests/test_import_layers.py) while the specs stay the one source of truth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.spec import TaskSpec


class TaskCatalog(Protocol):
    """What the data layer reads of a spec registry (``harness.spec.Registry`` is one)."""

    @property
    def tasks(self) -> Mapping[str, TaskSpec]: ...

    def task(self, name: str) -> TaskSpec: ...


_source: Callable[[], TaskCatalog] | None = None


def register_catalog(source: Callable[[], TaskCatalog]) -> None:
    """Called once by ``harness.spec`` at import: ``source()`` returns the active registry
    (built-in specs plus the user's folders), asked again on every lookup so added folders count."""
    global _source
    _source = source


def catalog() -> TaskCatalog:
    """The active task specs; a clear error when nothing registered them."""
    if _source is None:
        raise HarnessError("task names are resolved through the task specs, which are not loaded: "
                           "`import harness.spec` first (it registers them), or pass the TaskSpec itself")
    return _source()
