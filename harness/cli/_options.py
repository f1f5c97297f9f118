"""Option conventions shared by every subcommand, checked when the line is parsed.

- Bad numbers are refused by their argument type: `retrieve --batch-size 0` once grew to 23 GB
  before the kernel killed it; argparse names the option and exits 2 before anything is loaded.
- A list option (`--tasks`, `--languages`, `--variants`, `--seeds`) takes `a b`, `a,b`, or both,
  and may be repeated: `SplitCommas`.
- Folders are `--*-dir`, a file is `--output`. Where a flag was renamed to follow that, the old
  spelling keeps working but is left out of `--help`: `hide_aliases`, shown by `AliasHidingFormatter`.
"""

from __future__ import annotations

import argparse
import copy
from collections.abc import Callable, Iterable
from typing import Any


def positive_int(text: str) -> int:
    """An ``int`` >= 1 (sizes, counts, batch lengths)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


class SplitCommas(argparse.Action):
    """Collect `--opt a b`, `--opt a,b` and `--opt a --opt b` into one list, checked item by item."""

    def __init__(self, option_strings: list[str], dest: str, nargs: str | int | None = "+",
                 item_type: Callable[[str], Any] = str, choices: Iterable[Any] | None = None,
                 metavar: str | tuple[str, ...] | None = None, exactly: int | None = None, **kwargs: Any) -> None:
        self.item_choices = tuple(choices) if choices is not None else None
        if self.item_choices is not None and metavar is None:
            metavar = "{" + ",".join(map(str, self.item_choices)) + "}"
        super().__init__(option_strings, dest, nargs=nargs, metavar=metavar, **kwargs)
        self.item_type = item_type
        self.exactly = exactly  # a pair such as `compare --variants A B` (or A,B)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        items = []
        for value in values if isinstance(values, list) else [values]:
            for part in str(value).split(","):
                part = part.strip()
                if not part:
                    continue
                try:
                    item = self.item_type(part)
                except ValueError:
                    parser.error(f"argument {option_string}: invalid value {part!r}")
                if self.item_choices is not None and item not in self.item_choices:
                    known = ", ".join(map(str, self.item_choices))
                    parser.error(f"argument {option_string}: invalid choice {part!r} (choose from {known})")
                items.append(item)
        if self.exactly is not None and len(items) != self.exactly:
            parser.error(f"argument {option_string}: expected {self.exactly} values, got {len(items)}")
        current = getattr(namespace, self.dest, None)
        if current is None or current is self.default:  # the first use replaces the default
            current = []
        setattr(namespace, self.dest, [*current, *items])


def hide_aliases(action: argparse.Action, *aliases: str) -> argparse.Action:
    """Keep `aliases` (old spellings of `action`'s flag) working, but out of `--help`."""
    unknown = set(aliases) - set(action.option_strings)
    if unknown:
        raise ValueError(f"{sorted(unknown)} are not spellings of {action.option_strings}")
    action.hidden_aliases = frozenset(aliases)  # type: ignore[attr-defined]
    return action


class AliasHidingFormatter(argparse.HelpFormatter):
    """The default help layout, without the spellings `hide_aliases` marked."""

    def _format_action_invocation(self, action: argparse.Action) -> str:
        hidden = getattr(action, "hidden_aliases", None)
        if hidden:
            action = copy.copy(action)
            action.option_strings = [o for o in action.option_strings if o not in hidden]
        return super()._format_action_invocation(action)


def use_alias_hiding_help(parser: argparse.ArgumentParser) -> None:
    """Give `parser` and every subcommand parser below it the alias-hiding help."""
    if parser.formatter_class is argparse.HelpFormatter:
        parser.formatter_class = AliasHidingFormatter
    for action in parser._actions:  # noqa: SLF001 - argparse keeps subparsers here
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for child in action.choices.values():
                use_alias_hiding_help(child)
