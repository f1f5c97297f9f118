"""The command line's conventions: bare `harness` is help, a line starting with an option is
`run`, global options stand anywhere, list options take `a b` and `a,b`, folders are `--*-dir`
(old spellings hidden but working), and `--tasks-dir` adds a user's specs."""

from __future__ import annotations

import argparse
import os

import pytest

from harness.cli import _hoist_global_options, _with_default_command, build_parser, main
from harness.cli._options import AliasHidingFormatter, SplitCommas, hide_aliases
from harness.spec import TASKS_DIR, TASKS_DIR_ENV, default_registry

COMMANDS = {"run", "score", "ls", "data"}


def test_bare_harness_prints_help_and_exits_0(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out.startswith("usage: harness")


def test_a_line_starting_with_an_option_is_run():
    assert _with_default_command(["--suite", "xtreme"], COMMANDS) == ["run", "--suite", "xtreme"]
    assert _with_default_command(["-q", "--tasks-dir", "d", "--suite", "x"], COMMANDS) == [
        "-q", "--tasks-dir", "d", "run", "--suite", "x"]
    assert _with_default_command(["--help"], COMMANDS) == ["--help"]
    assert _with_default_command(["score", "--tasks", "xnli"], COMMANDS) == ["score", "--tasks", "xnli"]
    assert _with_default_command([], COMMANDS) == []


def test_global_options_are_hoisted_from_anywhere():
    assert _hoist_global_options(["ls", "tasks", "--tasks-dir", "mine", "-v"]) == [
        "--tasks-dir", "mine", "-v", "ls", "tasks"]
    assert _hoist_global_options(["run", "--tasks-dir=mine"]) == ["--tasks-dir=mine", "run"]
    assert _hoist_global_options(["run", "--", "--tasks-dir"]) == ["run", "--", "--tasks-dir"]


def _list_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", action=SplitCommas)
    parser.add_argument("--seeds", action=SplitCommas, item_type=int, default=[1])
    parser.add_argument("--task", action=SplitCommas, choices=("bucc2018", "tatoeba"))
    return parser


@pytest.mark.parametrize("argv", [["--tasks", "xnli", "pawsx"], ["--tasks", "xnli,pawsx"],
                                  ["--tasks", "xnli,", "pawsx"], ["--tasks", "xnli", "--tasks", "pawsx"]])
def test_list_options_take_spaces_and_commas(argv):
    assert _list_parser().parse_args(argv).tasks == ["xnli", "pawsx"]


def test_list_options_convert_and_check_each_item(capsys):
    parser = _list_parser()
    assert parser.parse_args([]).seeds == [1]
    assert parser.parse_args(["--seeds", "1,2", "3"]).seeds == [1, 2, 3]
    assert parser.parse_args(["--task", "tatoeba,bucc2018"]).task == ["tatoeba", "bucc2018"]
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["--seeds", "1,x"])
    assert exit_info.value.code == 2 and "'x'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--task", "tatoeba,xnli"])
    assert "invalid choice 'xnli'" in capsys.readouterr().err


def test_hidden_alias_works_but_is_not_in_help():
    parser = argparse.ArgumentParser(formatter_class=AliasHidingFormatter)
    hide_aliases(parser.add_argument("--results-dir", "--results", dest="results", required=True), "--results")
    assert parser.parse_args(["--results", "r"]).results == "r"
    assert parser.parse_args(["--results-dir", "r"]).results == "r"
    assert "--results-dir" in parser.format_help() and "--results " not in parser.format_help()
    with pytest.raises(ValueError):
        hide_aliases(parser.add_argument("--x"), "--y")


def _option_strings(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command path, option strings, dest, metavar) of every option of every subcommand."""
    for action in parser._actions:  # noqa: SLF001
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, child in action.choices.items():
                yield from _option_strings(child, (*path, name))
        elif action.option_strings:
            yield path, action


def test_every_folder_flag_is_a_dir_flag():
    """Folders are `--*-dir` in every command (an old spelling may stay as a hidden alias)."""
    wrong = []
    for path, action in _option_strings(build_parser()):
        visible = [o for o in action.option_strings if o not in getattr(action, "hidden_aliases", ())]
        metavars = action.metavar if isinstance(action.metavar, tuple) else (action.metavar or "",)
        names_a_folder = any(m.upper().endswith("DIR") for m in metavars)
        if names_a_folder and not any(o.endswith("-dir") for o in visible):
            wrong.append(f"harness {' '.join(path)} {'/'.join(visible)}")
    assert not wrong, wrong


def test_list_flags_split_commas_everywhere():
    wrong = []
    for path, action in _option_strings(build_parser()):
        visible = [o for o in action.option_strings if o not in getattr(action, "hidden_aliases", ())]
        if any(o in ("--tasks", "--languages", "--variants", "--seeds") for o in visible):
            if not isinstance(action, SplitCommas):
                wrong.append(f"harness {' '.join(path)} {action.option_strings[0]}")
    assert not wrong, wrong


def test_tasks_dir_adds_a_users_specs(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(TASKS_DIR_ENV, "")
    mine = tmp_path / "mine" / "nested"
    mine.mkdir(parents=True)
    text = (TASKS_DIR / "xtreme" / "xnli.yaml").read_text(encoding="utf-8")
    assert "name: xnli\n" in text
    (mine / "xnli_copy.yaml").write_text(text.replace("name: xnli\n", "name: xnli_copy\n"), encoding="utf-8")
    try:
        assert main(["ls", "tasks", "--tasks-dir", str(tmp_path / "mine")]) == 0
        listed = capsys.readouterr().out
        assert "xnli_copy " in listed and "\nxnli " in listed  # the user's and the built-in ones
        # handed on to the processes it starts (launcher ranks, cluster jobs)
        assert str((tmp_path / "mine").resolve()) in os.environ[TASKS_DIR_ENV].split(os.pathsep)
    finally:
        from harness import spec

        spec._added_dirs.clear()  # noqa: SLF001 - undo for the other tests of this process
        default_registry.cache_clear()


def test_tasks_dir_that_does_not_exist_is_exit_2(tmp_path, capsys):
    assert main(["--tasks-dir", str(tmp_path / "nowhere"), "ls", "tasks"]) == 2
    assert "--tasks-dir" in capsys.readouterr().err


def test_spec_folder_is_package_data():
    """The built-in specs come from the installed package (harness.tasks); the wheel: test_packaging.py."""
    from harness.resources import builtin_tasks_dir, leaderboard_files_dir

    assert (builtin_tasks_dir() / "xtreme" / "xnli.yaml").is_file()
    assert (leaderboard_files_dir() / "templates").is_dir() and (leaderboard_files_dir() / "assets").is_dir()
