"""The `harness` command. Each subcommand lives in its own module in this package.

A subcommand module defines ``register(subparsers)``, which adds its parser and sets
``func`` to a callable taking the parsed arguments and returning an exit code. Modules
import heavy packages (torch, transformers, faiss) inside that callable, so that
``harness score`` or ``harness leaderboard`` never pay for a deep-learning import.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import traceback

from harness import __version__
from harness.cli._extras import OPTIONAL_MODULES, check_extras, missing_extra_error
from harness.errors import HarnessError
from harness.text_safety import visible

# `docker run harness --suite xtreme`: a command line that starts with an option is `run`.
DEFAULT_COMMAND = "run"
# Exit codes of every subcommand: 0 ok, 1 a finding (regression, missing), 2 bad input, 3 internal error.
INTERNAL_ERROR = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
        description="Zero-shot cross-lingual transfer on XTREME, with intermediate-task training.",
    )
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        module.register(subparsers)
    return parser


def _with_default_command(argv: list[str], commands: set[str]) -> list[str]:
    global_flags = {"-h", "--help", "--version", "-v", "--verbose"}
    first = next((a for a in argv if a not in {"-v", "--verbose"}), None)
    if first is not None and first not in commands and first not in global_flags and first.startswith("-"):
        verbose = [a for a in argv if a in {"-v", "--verbose"}]
        rest = [a for a in argv if a not in {"-v", "--verbose"}]
        return verbose + [DEFAULT_COMMAND] + rest
    return argv


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # noqa: SLF001
    if DEFAULT_COMMAND in commands:
        argv = _with_default_command(argv, commands)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2  # bare `harness` asks for help; `harness data` lacks a command
    try:
        check_extras(args.command)
        return int(args.func(args) or 0)
    except HarnessError as err:
        print(f"harness {args.command}: error: {visible(err)}", file=sys.stderr)
        return err.exit_code
    except ModuleNotFoundError as err:
        module = (err.name or "").partition(".")[0]
        if module not in OPTIONAL_MODULES:
            raise
        print(f"harness {args.command}: error: {missing_extra_error(args.command, module)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"harness {args.command}: interrupted; finished results are kept.", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - exit 3, never a traceback a user did not ask for
        if args.verbose:
            traceback.print_exc()
        hint = "" if args.verbose else "; rerun with -v for the traceback"
        print(f"harness {args.command}: internal error: {type(err).__name__}: {visible(err)}{hint}", file=sys.stderr)
        return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
