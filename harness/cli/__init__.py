"""The `harness` command. Each subcommand lives in its own module in this package.

A subcommand module defines ``register(subparsers)``, which adds its parser and sets
``func`` to a callable taking the parsed arguments and returning an exit code. Modules
import heavy packages (torch, transformers, faiss) inside that callable, so that
``harness score`` or ``harness leaderboard`` never pay for a deep-learning import.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import pkgutil
import sys
import traceback
from pathlib import Path

from harness import __version__
from harness.cli._extras import OPTIONAL_MODULES, check_extras, missing_extra_error
from harness.cli._options import use_alias_hiding_help
from harness.errors import HarnessError
from harness.logs import PROGRESS_MODES
from harness.logs import configure as configure_logging
from harness.text_safety import visible

# `docker run harness --suite xtreme`: a command line that starts with an option is `run`.
DEFAULT_COMMAND = "run"
LOG_FLAGS = {"-v", "--verbose", "-q", "--quiet"}
# Global options that take a value; like LOG_FLAGS they may stand anywhere on the line.
VALUE_OPTIONS = {"--progress", "--tasks-dir"}
# Exit codes of every subcommand: 0 ok, 1 a finding (regression, missing), 2 bad input, 3 internal error.
INTERNAL_ERROR = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
        description="Zero-shot cross-lingual transfer on XTREME, with intermediate-task training.",
    )
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="debug logging on stderr, libraries' own reports included")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")
    parser.add_argument("--progress", choices=PROGRESS_MODES, default="auto",
                        help="progress display: bars on a terminal, log lines otherwise (auto), or always "
                             "bar / plain, or none")
    parser.add_argument("--tasks-dir", action="append", default=[], type=Path, metavar="DIR",
                        help="a folder of your own task, suite, experiment or model specs, added to the "
                             "built-in ones (repeatable; also HARNESS_TASKS_DIR, several joined by "
                             f"{os.pathsep!r})")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        module.register(subparsers)
    use_alias_hiding_help(parser)
    return parser


def _hoist_global_options(argv: list[str]) -> list[str]:
    """-v/-q/--progress/--tasks-dir anywhere on the line (`harness run -q` too) moved to the front."""
    hoisted: list[str] = []
    rest: list[str] = []
    items = iter(argv)
    for arg in items:
        if arg == "--":
            rest.extend([arg, *items])
        elif arg in LOG_FLAGS or ("=" in arg and arg.partition("=")[0] in VALUE_OPTIONS):
            hoisted.append(arg)
        elif arg in VALUE_OPTIONS:
            hoisted.extend([arg, next(items, "")])
        else:
            rest.append(arg)
    return hoisted + rest


def _with_default_command(argv: list[str], commands: set[str]) -> list[str]:
    """``harness --suite xtreme`` is ``harness run --suite xtreme`` (global options hoisted first)."""
    global_flags = {"-h", "--help", "--version"}
    count = 0
    while count < len(argv) and (argv[count] in LOG_FLAGS or argv[count].partition("=")[0] in VALUE_OPTIONS):
        count += 2 if argv[count] in VALUE_OPTIONS else 1
    leading, rest = argv[:count], argv[count:]
    first = rest[0] if rest else None
    if first is not None and first not in commands and first not in global_flags and first.startswith("-"):
        return leading + [DEFAULT_COMMAND] + rest
    return argv


def _add_tasks_dirs(folders: list[Path]) -> None:
    """`--tasks-dir`: the user's spec folders join the built-in ones, in this process and (through
    HARNESS_TASKS_DIR) in every process it starts: launcher ranks, cluster jobs."""
    from harness.spec import TASKS_DIR_ENV, add_tasks_dirs

    folders = [folder.resolve() for folder in folders]
    add_tasks_dirs(folders)
    inherited = [part for part in os.environ.get(TASKS_DIR_ENV, "").split(os.pathsep) if part]
    os.environ[TASKS_DIR_ENV] = os.pathsep.join([*inherited, *(str(f) for f in folders if str(f) not in inherited)])


def _disk_full(err: OSError) -> bool:
    return err.errno in (errno.ENOSPC, errno.EDQUOT)


def _stdout_closed() -> None:
    """The reader of our stdout went away (`| head`): stop quietly, no shutdown traceback."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # noqa: SLF001
    argv = _hoist_global_options(argv)
    if DEFAULT_COMMAND in commands:
        argv = _with_default_command(argv, commands)
    args = parser.parse_args(argv)
    configure_logging(verbosity=1 if args.verbose else -1 if args.quiet else 0, progress=args.progress)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2  # bare `harness` asks for help; `harness data` lacks a command
    try:
        if args.tasks_dir:
            _add_tasks_dirs(args.tasks_dir)
        check_extras(args.command)
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except BrokenPipeError:
        _stdout_closed()
        return 141  # 128 + SIGPIPE, as a shell reports a pipe writer stopped by `head`
    except HarnessError as err:
        print(f"harness {args.command}: error: {visible(err)}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"harness {args.command}: interrupted; finished results are kept.", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - exit 3, never a traceback a user did not ask for
        if isinstance(err, ModuleNotFoundError) and (err.name or "").partition(".")[0] in OPTIONAL_MODULES:
            # An optional dependency imported deep inside a command: name the extra, exit 2.
            missing = missing_extra_error(args.command, err.name.partition(".")[0])
            print(f"harness {args.command}: error: {missing}", file=sys.stderr)
            return 2
        if isinstance(err, OSError) and _disk_full(err):
            where = f" writing {err.filename}" if err.filename else ""
            print(f"harness {args.command}: error: no space left on the device{where}; free some space "
                  "(or point --work-dir / --results-dir elsewhere) and run again: finished results are kept",
                  file=sys.stderr)
            return 2
        if args.verbose:
            traceback.print_exc()
        hint = "" if args.verbose else "; rerun with -v for the traceback"
        print(f"harness {args.command}: internal error: {type(err).__name__}: {visible(err)}{hint}", file=sys.stderr)
        return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
