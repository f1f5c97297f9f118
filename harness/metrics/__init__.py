"""Pure metric functions on a 0-100 scale; importable without torch.

The names below load their module on first use (PEP 562), so that importing
`harness.metrics.registry`, as the spec loader does, costs neither seqeval nor sklearn.
"""

from importlib import import_module

_HOMES = {
    "accuracy": "classification",
    "bucc_scores": "retrieval",
    "mlqa_em_f1": "qa",
    "normalize_mlqa": "qa",
    "normalize_squad": "qa",
    "squad_em_f1": "qa",
    "tagging_scores": "tagging",
}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f"harness.metrics.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'harness.metrics' has no attribute {name!r}")


__all__ = sorted(_HOMES)
