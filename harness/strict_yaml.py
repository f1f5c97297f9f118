"""YAML that refuses a key given twice in one mapping.

PyYAML's safe loader keeps the last of two equal keys without a word, so a spec that sets
`metric:` twice silently uses the second. Here that is an error naming both lines.
"""

from __future__ import annotations

from typing import Any

import yaml


class UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings must not repeat a key (merge keys `<<` still override)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                continue   # an unhashable key: the base class reports it
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    f"while reading a mapping (first {key!r} on line {first.line + 1})", node.start_mark,
                    f"duplicate key {key!r}; keep one of them", key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def safe_load_unique(text: str) -> Any:
    """`yaml.safe_load`, but a repeated key is a `yaml.YAMLError` that names its line."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


__all__ = ["UniqueKeyLoader", "safe_load_unique"]
