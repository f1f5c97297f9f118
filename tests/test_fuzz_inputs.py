"""Hostile and unlucky inputs (issue 14), replayed through the CLI: each ends in one clear error
with the documented exit code (0 ok, 1 regression or missing, 2 bad input, 3 internal error) or
in the correct result, and nothing the user owns is destroyed.

The cases are those the issue's probe found (NaN tolerance, empty baselines, FIFOs, UTF-16 and
binary records, duplicate keys, scores outside 0-100, formula cells, control characters, a 1 MB
name, non-atomic site rebuilds, symlinks and modes of output files) plus a few more of the kind.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.cli import main as harness_main
from harness.errors import HarnessError
from harness.leaderboard import build_site, publish
from harness.results import ResultRecord, read_record, write_record
from harness.results.store import write_json_atomic
from harness.spec import default_registry, load_task_file
from harness.text_safety import NAME_LIMIT, NOTE_LIMIT, csv_cell, safe_name, visible

REGISTRY = default_registry()
MINI = REGISTRY.suite("mini")
ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- helpers


def languages(task: str, value: float) -> dict:
    spec = REGISTRY.task(task)
    if spec.metric in ("squad_em_f1", "mlqa_em_f1"):
        return {lang: {"exact_match": value - 10, "f1": value + 10} for lang in MINI.task_languages(spec)}
    return {lang: {key: value for key in spec.metric_keys} for lang in MINI.task_languages(spec)}


def record(task: str, value: float = 60.0, *, variant: str = "baseline", model: str = "tiny", **fields) -> ResultRecord:
    return ResultRecord(experiment="mini", variant=variant, model=model, task=task, suite="mini",
                        languages=languages(task, value), versions={"harness": "0.1.0"}, git_revision="abc",
                        created_at="2026-11-01T00:00:00+00:00", **fields)


def write_results(root: Path, value: float = 60.0, **fields) -> Path:
    for task in MINI.tasks:
        write_record(record(task, value, **fields), root)
    return root


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `harness ARGV` in process; argparse's own exits count like returned codes."""
    capsys.readouterr()
    try:
        code = harness_main([str(a) for a in argv])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_clean_error(err: str, *fragments: str) -> None:
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"


@contextmanager
def deadline(seconds: int):
    """Fail instead of hanging (a FIFO opened for reading blocks until a writer comes)."""
    def expired(*_):
        raise TimeoutError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def results(tmp_path) -> Path:
    return write_results(tmp_path / "results")


@pytest.fixture
def baseline(capsys, results, tmp_path) -> Path:
    path = tmp_path / "baseline.json"
    assert cli(capsys, "check", "--results", results, "--baseline", path, "--update-baseline")[0] == 0
    return path


def one_record_file(results: Path, task: str = "xnli") -> Path:
    return next(p for p in sorted(results.rglob("*.result.json")) if p.name.startswith(task))


# --------------------------------------------------------------------------- the gate


@pytest.mark.parametrize("tolerance", ["nan", "NaN", "inf", "-inf", "1e308", "101", "-1", "-0.5", "abc", ""])
def test_a_tolerance_that_would_switch_the_gate_off_is_bad_input(capsys, results, baseline, tolerance):
    code, _, err = cli(capsys, "check", "--results", results, "--baseline", baseline, f"--tolerance={tolerance}")
    assert code == 2
    assert_clean_error(err, "--tolerance", "finite number of points from 0 to 100")


def test_a_65_point_regression_fails_at_every_allowed_tolerance(capsys, tmp_path):
    results = write_results(tmp_path / "results", 80.0)
    baseline = tmp_path / "baseline.json"
    assert cli(capsys, "check", "--results", results, "--baseline", baseline, "--update-baseline")[0] == 0
    write_record(record("xnli", 15.0), results)   # 80 -> 15
    for tolerance in ("0", "1", "64.9"):
        code, out, _ = cli(capsys, "check", "--results", results, "--baseline", baseline, "--tolerance", tolerance)
        assert code == 1 and "❌ failed" in out
    assert cli(capsys, "check", "--results", results, "--baseline", baseline, "--tolerance", "100")[0] == 0


@pytest.mark.parametrize("document, message", [
    ({"format": "harness-score-baseline", "version": 1, "systems": []}, "holds no systems"),
    ({"format": "harness-score-baseline", "version": 1, "systems": [
        {"suite": "mini", "experiment": "mini", "variant": "baseline", "model": "tiny", "tasks": {}}]},
     "no system in the baseline has a task score"),
    ({"format": "harness-score-baseline", "version": 1, "systems": [
        {"suite": "mini", "experiment": "mini", "variant": "baseline", "model": "tiny",
         "tasks": {"xnli": {"score": 1e308, "languages": {}}}}]}, "0-100 scale"),
    ({"format": "harness-score-baseline", "version": 1, "systems": [
        {"suite": "mini", "experiment": "mini", "variant": "baseline", "model": "tiny",
         "tasks": {"xnli": {"score": 50, "languages": {"en": -5}}}}]}, "0-100 scale"),
    ({"format": "harness-score-baseline", "version": 1, "systems": "all"}, "'systems' must be a list"),
    ([1, 2], "not a score baseline"),
])
def test_malformed_baselines_are_bad_input(capsys, results, tmp_path, document, message):
    path = tmp_path / "bad-baseline.json"
    path.write_text(json.dumps(document))
    code, _, err = cli(capsys, "check", "--results", results, "--baseline", path)
    assert code == 2
    assert_clean_error(err, str(path), message)


@pytest.mark.parametrize("content, message", [
    (b'{"format": "harness-score-baseline", "format": "x"}', "appears twice"),
    ('{"format": "harness-score-baseline"}'.encode("utf-16"), "UTF-16"),
    (b"\x00\x01\x02binary\xff", "NUL bytes"),
    (b'{"a": "\xff\xfe"}', "not valid UTF-8"),
    (b'{"version": 1e400}', "infinity"),
    (b"[" * 100_000, "nested"),
    (b"", "invalid JSON"),
])
def test_unreadable_baselines_are_bad_input(capsys, results, tmp_path, content, message):
    path = tmp_path / "bad-baseline.json"
    path.write_bytes(content)
    code, _, err = cli(capsys, "check", "--results", results, "--baseline", path)
    assert code == 2
    assert_clean_error(err, str(path), message)


def test_update_baseline_replaces_an_empty_baseline(capsys, results, tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"format": "harness-score-baseline", "version": 1, "systems": []}))
    assert cli(capsys, "check", "--results", results, "--baseline", path, "--update-baseline")[0] == 0
    assert cli(capsys, "check", "--results", results, "--baseline", path)[0] == 0


def test_a_fifo_baseline_is_refused_without_hanging(capsys, results, tmp_path):
    fifo = tmp_path / "baseline.json"
    os.mkfifo(fifo)
    with deadline(20):
        code, _, err = cli(capsys, "check", "--results", results, "--baseline", fifo)
    assert code == 2
    assert_clean_error(err, "not a regular file")


def test_an_internal_error_exits_3_with_one_line_and_a_hint(capsys, results, baseline, monkeypatch):
    import harness.regression

    def broken(*_args, **_kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(harness.regression, "check", broken)
    code, _, err = cli(capsys, "check", "--results", results, "--baseline", baseline)
    assert code == 3
    assert_clean_error(err, "internal error: RuntimeError: simulated bug", "rerun with -v")
    assert len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, "-v", "check", "--results", results, "--baseline", baseline)
    assert code == 3 and "Traceback" in err   # asked for with -v


def test_missing_and_empty_results_folders_are_bad_input(capsys, baseline, tmp_path):
    code, _, err = cli(capsys, "check", "--results", tmp_path / "nowhere", "--baseline", baseline)
    assert code == 2 and "results folder not found" in err
    (tmp_path / "empty").mkdir()
    code, _, err = cli(capsys, "check", "--results", tmp_path / "empty", "--baseline", baseline)
    assert code == 2 and "no result records" in err


# --------------------------------------------------------------------------- malformed records


def mutate_record(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


RECORD_MUTATIONS = [
    (lambda d: d.update(notes=["a", "b"]), "field 'notes' must be a string"),
    (lambda d: d.update(duration_s="slow"), "field 'duration_s' must be a number or null"),
    (lambda d: d.update(git_revision=7), "field 'git_revision' must be a string or null"),
    (lambda d: d.update(variant_family={"x": 1}), "field 'variant_family' must be a string or null"),
    (lambda d: d.update(publishable="yes"), "publishable"),
    (lambda d: d.update(seed="3"), "seed"),
    (lambda d: d.update(versions={"torch": 2}), "versions.torch must be a string"),
    (lambda d: d.update(data_checksums={"x": None}), "data_checksums.x must be a string"),
    (lambda d: d.update(experiment=""), "field 'experiment' must be a non-empty string"),
    (lambda d: d.update(model=["tiny"]), "field 'model' must be a non-empty string"),
    (lambda d: d.update(languages=[]), "languages"),
    (lambda d: d["languages"].update(en=[1, 2]), "languages.en"),
    (lambda d: d["languages"]["en"].update(accuracy=-50), "languages.en.accuracy is -50; scores are on the 0-100 scale"),
    (lambda d: d["languages"]["en"].update(accuracy=1000), "languages.en.accuracy is 1000"),
    (lambda d: d["languages"]["en"].update(accuracy=1e308), "0-100 scale"),
    (lambda d: d["languages"]["en"].update(accuracy="60"), "languages.en.accuracy must be a number"),
    (lambda d: d["languages"]["en"].update(accuracy=True), "languages.en.accuracy must be a number"),
    (lambda d: d["languages"].update(en={"f1": 50.0}), "languages.en lacks 'accuracy'"),
    (lambda d: d.update(protocol=_nested(40)), "nested more than 32 levels deep"),
    (lambda d: d.update(schema_version=99), "schema_version"),
    ([], "top level must be a JSON object"),
]


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"k": value}
    return value


@pytest.mark.parametrize("change, message", RECORD_MUTATIONS)
def test_malformed_records_are_refused_by_leaderboard_and_check(capsys, results, baseline, tmp_path, change, message):
    path = one_record_file(results)
    if callable(change):
        mutate_record(path, change)
    else:
        path.write_text(json.dumps(change))
    for argv in (["leaderboard", results, "-o", tmp_path / "site"],
                 ["check", "--results", results, "--baseline", baseline]):
        code, _, err = cli(capsys, *argv)
        assert code == 2, err
        assert_clean_error(err, str(path), message)
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("content, message", [
    (b"\x00\x00\x00\x01\x89PNG garbage\xff\xfe", "NUL bytes"),
    (b"PK\x03\x04\x00\x00binary", "NUL bytes"),
    ('{"experiment": "mini"}'.encode("utf-16"), "UTF-16"),
    ('{"experiment": "mini"}'.encode("utf-16-be"), "UTF-16"),
    (b'\xef\xbb\xbf{"experiment": "mini"}', "byte-order mark"),
    (b'{"experiment": "caf\xe9"}', "not valid UTF-8"),
    (b'{"experiment": "a", "experiment": "b"}', "key 'experiment' appears twice"),
    (b'{"languages": {"en": {"accuracy": 1e400}}}', "1e400 is too large"),
    (b'{"languages": {"en": {"accuracy": NaN}}}', "NaN is not a valid score"),
    (b'{"languages": {"en": {"accuracy": -Infinity}}}', "-Infinity is not a valid score"),
    (b'{"protocol": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", "nested"),
    (b'{"experiment": ', "invalid JSON"),
    (b"", "invalid JSON"),
])
def test_unreadable_records_are_refused_with_the_file_named(capsys, results, tmp_path, content, message):
    path = one_record_file(results)
    path.write_bytes(content)
    code, _, err = cli(capsys, "leaderboard", results, "-o", tmp_path / "site")
    assert code == 2
    assert_clean_error(err, str(path), message)
    with pytest.raises(HarnessError, match=message):   # `harness run` catches this and reruns the step
        read_record(path)


def test_a_fifo_or_folder_named_like_a_record_is_refused_without_hanging(capsys, results, baseline, tmp_path):
    fifo = results / "mini" / "zz.result.json"
    os.mkfifo(fifo)
    with deadline(20):
        code, _, err = cli(capsys, "leaderboard", results, "-o", tmp_path / "site")
        assert code == 2
        assert_clean_error(err, str(fifo), "not a regular file")
        code, _, err = cli(capsys, "check", "--results", results, "--baseline", baseline)
        assert code == 2 and "not a regular file" in err
    fifo.unlink()
    (results / "mini" / "dir.result.json").mkdir()
    code, _, err = cli(capsys, "leaderboard", results, "-o", tmp_path / "site")
    assert code == 2 and "not a regular file" in err


def test_an_oversized_record_is_refused_before_it_is_read(capsys, results, tmp_path):
    path = one_record_file(results)
    with path.open("r+b") as handle:
        handle.truncate(64 * 1024 * 1024)   # sparse: costs no disk
    code, _, err = cli(capsys, "leaderboard", results, "-o", tmp_path / "site")
    assert code == 2
    assert_clean_error(err, "too large for a result record")


def test_duplicate_yaml_keys_in_a_spec_are_refused(tmp_path):
    spec = tmp_path / "mytask.yaml"
    spec.write_text("name: mytask\nrole: intermediate\ntask_type: classification\nname: other\n")
    with pytest.raises(HarnessError, match=r"(?s)mytask.yaml: invalid YAML: .*duplicate key 'name'.*line 4"):
        load_task_file(spec)


def test_every_shipped_spec_still_loads_with_the_strict_yaml_loader():
    assert len(default_registry().tasks) >= 9


# --------------------------------------------------------------------------- hostile strings


FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(A1:A9)", "+1+1", "-2+3", "\t=1", "\r=1"]


def test_csv_cells_that_look_like_formulas_are_neutralised(capsys, tmp_path):
    results = tmp_path / "results"
    for index, name in enumerate(FORMULAS):
        write_results(results, 50.0 + index, variant=f"v{index}", model=name)
    code, _, err = cli(capsys, "leaderboard", results, "-o", tmp_path / "site")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "site" / "leaderboard.csv").read_text())))
    for row in rows:
        assert row["model"].startswith("'"), row["model"]   # tab and CR are dropped from names first
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")) or value == ""
            if value.startswith("-"):
                float(value)   # only numbers may start with a minus
    document = json.loads((tmp_path / "site" / "leaderboard.json").read_text())
    assert {"=cmd|' /C calc'!A0", "@SUM(A1:A9)"} <= {s["model"] for s in document["suites"][0]["systems"]}
    assert csv_cell(-3.5) == -3.5 and csv_cell("x=1") == "x=1"


CONTROLS = "a\x00b\x1b[31mred\x1b[0m\x07\x08c\x7f\x9b2J\u202ed"


def test_control_characters_reach_no_output(capsys, tmp_path):
    results = tmp_path / "results"
    write_results(results, variant="base" + CONTROLS, model="m" + CONTROLS, notes="note" + CONTROLS + "\nline 2")
    site = tmp_path / "site"
    code, _, err = cli(capsys, "leaderboard", results, "-o", site)
    assert code == 0, err
    for path in site.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not any(ch in text for ch in "\x00\x1b\x07\x08\x7f\x9b\u202e"), path
            assert "\\u001b" not in text and "\\u0000" not in text, path
    assert "mab[31mred[0mc2Jd" in (site / "leaderboard.csv").read_text()
    baseline = tmp_path / "baseline.json"
    assert cli(capsys, "check", "--results", results, "--baseline", baseline, "--update-baseline")[0] == 0
    report = tmp_path / "report.md"
    write_record(record("xnli", 10.0, variant="base" + CONTROLS, model="m" + CONTROLS), results)
    code, out, _ = cli(capsys, "check", "--results", results, "--baseline", baseline, "--report", report)
    assert code == 1
    for text in (out, report.read_text()):
        assert not any(ch in text for ch in "\x00\x1b\x07\x7f\x9b"), text
        assert "mab\\[31mred\\[0mc2Jd" in text


def test_terminal_error_messages_show_control_characters_as_escapes(capsys, tmp_path):
    code, _, err = cli(capsys, "leaderboard", tmp_path / "no\x1b[2Jwhere", "-o", tmp_path / "site")
    assert code == 2
    assert "\x1b" not in err and "no\\x1b[2Jwhere" in err
    assert visible("a\x00b\tc\nd") == "a\\x00b\tc\nd"


def test_a_megabyte_name_does_not_make_a_huge_site(capsys, tmp_path):
    results = tmp_path / "results"
    huge = "x" * 1_000_000
    write_results(results, model="a")
    write_results(results, 70.0, model="b")
    for path in results.rglob("*.result.json"):   # a record file may say anything; its file name stays short
        mutate_record(path, lambda d: d.update(model="m" + huge + d["model"], notes="n" * 1_000_000,
                                               protocol={"comment": huge}))
    site = tmp_path / "site"
    code, _, err = cli(capsys, "leaderboard", results, "-o", site)
    assert code == 0, err
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    assert size < 3_000_000, size   # was 153 MB
    systems = json.loads((site / "leaderboard.json").read_text())["suites"][0]["systems"]
    names = {s["model"] for s in systems}
    assert len(names) == 2 and all(len(n) <= NAME_LIMIT for n in names)   # capped, still two systems
    assert all(len(note) <= NOTE_LIMIT for s in systems for note in s["notes"])
    assert len(safe_name("y" * 10_000)) == NAME_LIMIT and safe_name("short") == "short"


# --------------------------------------------------------------------------- the site folder


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_a_rebuild_keeps_the_users_files_and_removes_only_its_own(capsys, tmp_path):
    results = write_results(tmp_path / "results")
    site = tmp_path / "site"
    assert cli(capsys, "leaderboard", results, "-o", site)[0] == 0
    (site / "README.md").write_text("mine")
    (site / "CNAME").write_text("scores.example.org")
    (site / "mini" / "my-notes.txt").write_text("also mine")
    (site / "drafts").mkdir()
    (site / "link").symlink_to("README.md")
    (site / "leaderboard.json").write_text("an old build's file")   # ours: replaced
    assert cli(capsys, "leaderboard", results, "-o", site)[0] == 0
    assert (site / "README.md").read_text() == "mine"
    assert (site / "CNAME").read_text() == "scores.example.org"
    assert (site / "mini" / "my-notes.txt").read_text() == "also mine"
    assert (site / "drafts").is_dir() and (site / "link").is_symlink()
    assert json.loads((site / "leaderboard.json").read_text())["schema"] == "harness-leaderboard"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site")]   # no build folder left


def test_a_foreign_or_unusable_output_folder_is_refused(capsys, results, tmp_path):
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    (foreign / "leaderboard.json").write_text("{}")   # a file of that name no longer makes it ours
    code, _, err = cli(capsys, "leaderboard", results, "-o", foreign)
    assert code == 2
    assert_clean_error(err, "holds no manifest of a previous leaderboard build", "choose a new or empty folder")
    assert sorted(p.name for p in foreign.iterdir()) == ["leaderboard.json", "thesis.tex"]
    file = tmp_path / "file"
    file.write_text("x")
    code, _, err = cli(capsys, "leaderboard", results, "-o", file)
    assert code == 2 and "is not a folder" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli(capsys, "leaderboard", results, "-o", empty)[0] == 0


def test_a_user_file_where_the_site_needs_a_page_is_refused(capsys, results, tmp_path):
    site = tmp_path / "site"
    assert cli(capsys, "leaderboard", results, "-o", site)[0] == 0
    manifest = json.loads((site / publish.MANIFEST).read_text())
    manifest["files"].remove("index.html")   # as if the user had written index.html
    (site / publish.MANIFEST).write_text(json.dumps(manifest))
    code, _, err = cli(capsys, "leaderboard", results, "-o", site)
    assert code == 2 and "index.html: not written by a previous build" in err


def test_a_symlinked_site_folder_is_written_through(capsys, results, tmp_path):
    real = tmp_path / "real-site"
    link = tmp_path / "site"
    link.symlink_to(real)
    assert cli(capsys, "leaderboard", results, "-o", link)[0] == 0
    assert cli(capsys, "leaderboard", results, "-o", link)[0] == 0
    assert link.is_symlink() and (real / "index.html").is_file()


def test_a_failed_build_leaves_the_old_site_complete(capsys, tmp_path, monkeypatch):
    results = write_results(tmp_path / "results")
    site = tmp_path / "site"
    assert cli(capsys, "leaderboard", results, "-o", site)[0] == 0
    before = site_files(site)
    write_results(results, 70.0)
    calls = {"n": 0}
    real_write = Path.write_bytes

    def disk_fills_up(self, data):
        calls["n"] += 1
        if calls["n"] > 5:
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_fills_up)
    code, _, err = cli(capsys, "leaderboard", results, "-o", site)
    assert code == 2
    assert_clean_error(err, "No space left on device", "the previous site is unchanged")
    monkeypatch.undo()
    assert site_files(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site"]


def test_a_kill_between_the_fallback_renames_is_undone_by_the_next_build(capsys, tmp_path, monkeypatch):
    results = write_results(tmp_path / "results")
    site = tmp_path / "site"
    assert cli(capsys, "leaderboard", results, "-o", site)[0] == 0
    before = site_files(site)
    monkeypatch.setattr(publish, "_exchange", lambda a, b: False)   # a kernel without RENAME_EXCHANGE
    real_rename = os.rename

    def killed_after_first(src, dst):
        real_rename(src, dst)
        if ".previous-" in str(dst):
            raise KeyboardInterrupt   # the kill: the old site is moved away, the new one not yet in place

    monkeypatch.setattr(publish.os, "rename", killed_after_first)
    with pytest.raises(KeyboardInterrupt):
        publish.publish_site({"index.html": b"new"}, site)
    monkeypatch.setattr(publish.os, "rename", real_rename)
    assert not site.exists()
    publish._recover(site)   # what the next build does first
    assert site_files(site) == before


KILLER = """
import sys
from harness.leaderboard import build_site
while True:
    for results in sys.argv[1:3]:
        build_site(results, sys.argv[3])
"""


def test_kill_9_at_any_moment_leaves_a_complete_site(tmp_path):
    first = write_results(tmp_path / "first", 60.0)
    second = write_results(tmp_path / "second", 70.0)
    site = tmp_path / "site"
    build_site(first, site)   # the old site every kill must leave intact (or replaced by a whole new one)
    (site / "README.md").write_text("mine")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    seen = set()
    for delay in (1.5, 2.2, 2.9, 3.6, 4.3):
        child = subprocess.Popen([sys.executable, "-c", KILLER, str(first), str(second), str(site)], env=env)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        publish._recover(site)   # what the next build does first (matters only between fallback renames)
        manifest = json.loads((site / publish.MANIFEST).read_text())
        assert all((site / name).is_file() for name in manifest["files"])
        assert (site / "README.md").read_text() == "mine"
        overall = json.loads((site / "leaderboard.json").read_text())["suites"][0]["systems"][0]["overall"]
        seen.add(overall["mean_over_tasks"])
        assert f"{overall['mean_over_tasks']:.2f}" in (site / "mini" / "index.html").read_text()   # pages match the data
    assert seen <= {60.0, 70.0}
    build_site(second, site)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site")]   # killed builds' folders cleaned


# --------------------------------------------------------------------------- writers


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_respect_the_umask(capsys, tmp_path, mask, mode):
    with umask(mask):
        results = write_results(tmp_path / "results")
        baseline = tmp_path / "baseline.json"
        assert cli(capsys, "check", "--results", results, "--baseline", baseline, "--update-baseline",
                   "--report", tmp_path / "report.md")[0] == 0
        assert cli(capsys, "leaderboard", results, "-o", tmp_path / "site")[0] == 0
    for path in [one_record_file(results), baseline, tmp_path / "report.md", tmp_path / "site" / "index.html"]:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    assert stat.S_IMODE((tmp_path / "site").stat().st_mode) == 0o777 & ~mask


def test_an_existing_files_mode_is_kept(tmp_path):
    path = tmp_path / "scores.json"
    path.write_text("{}")
    path.chmod(0o640)
    write_json_atomic(path, {"a": 1})
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and json.loads(path.read_text()) == {"a": 1}


def test_a_symlinked_baseline_is_written_through(capsys, results, tmp_path):
    real = tmp_path / "shared" / "baseline.json"
    real.parent.mkdir()
    link = tmp_path / "baseline.json"
    link.symlink_to(real)
    assert cli(capsys, "check", "--results", results, "--baseline", link, "--update-baseline")[0] == 0
    assert link.is_symlink() and json.loads(real.read_text())["format"] == "harness-score-baseline"
    assert cli(capsys, "check", "--results", results, "--baseline", link)[0] == 0


def test_a_fifo_output_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "scores.json"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    with deadline(20):
        write_json_atomic(fifo, {"overall": 1.5})
        reader.join()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)   # still the pipe, not a regular file
    assert json.loads(received[0]) == {"overall": 1.5}


def test_a_folder_as_output_file_is_bad_input(capsys, results, tmp_path):
    code, _, err = cli(capsys, "check", "--results", results, "--baseline", tmp_path, "--update-baseline")
    assert code == 2
    assert_clean_error(err, "not a regular file")
    with pytest.raises(HarnessError, match="is a folder; give a file name"):
        write_json_atomic(tmp_path, {"a": 1})
    with pytest.raises(HarnessError, match="File name too long"):
        write_json_atomic(tmp_path / ("x" * 5000), {"a": 1})


# --------------------------------------------------------------------------- score and data verify


def test_score_fails_when_a_requested_task_folder_is_missing(capsys, tmp_path):
    predictions, labels = tmp_path / "predictions", tmp_path / "labels"
    predictions.mkdir()
    labels.mkdir()
    code, _, err = cli(capsys, "score", "--predictions", predictions, "--labels", labels, "--tasks", "xnli",
                       "--allow-partial")
    assert code == 2
    assert_clean_error(err, str(predictions / "xnli"), "folder not found")


@pytest.mark.parametrize("content, message", [
    (json.dumps({"schema": 1, "files": {}}), "lists no files"),
    (json.dumps({"schema": 1}), "lists no files"),
    (json.dumps([1, 2]), "a data manifest is a JSON object"),
    (json.dumps({"files": []}), "key 'files' must be an object"),
    (json.dumps({"files": {"a.tsv": "abc"}}), "files.a.tsv must hold 'sha256'"),
    (json.dumps({"files": {"a.tsv": {"sha256": "x", "bytes": "12"}}}), "files.a.tsv must hold"),
    ('{"files": {}, "files": {}}', "appears twice"),
    ("\x00\x01binary", "NUL bytes"),
    ('{"files": {}}'.encode("utf-16-le").decode("latin-1"), "UTF-16"),
    ("{", "invalid JSON"),
])
def test_bad_data_manifests_end_in_a_clear_error(capsys, tmp_path, content, message):
    data = tmp_path / "data"
    data.mkdir()
    (data / "MANIFEST.json").write_text(content)
    code, _, err = cli(capsys, "data", "verify", "--dir", data)
    assert code == 2
    assert_clean_error(err, "MANIFEST.json", message)


def test_a_build_from_before_manifests_is_replaced_and_the_users_files_kept(capsys, results, tmp_path):
    site = tmp_path / "site"
    assert cli(capsys, "leaderboard", results, "-o", site)[0] == 0
    (site / publish.MANIFEST).unlink()   # as the builder before manifests left it
    (site / "mini" / "tasks" / "gone.html").write_text("a page the old build wrote")
    (site / "README.md").write_text("mine")
    (site / "mini" / "notes.txt").write_text("mine too")
    assert cli(capsys, "leaderboard", results, "-o", site)[0] == 0
    assert (site / "README.md").read_text() == "mine" and (site / "mini" / "notes.txt").read_text() == "mine too"
    assert not (site / "mini" / "tasks" / "gone.html").exists()
    assert (site / publish.MANIFEST).is_file()


def test_a_fifo_where_a_record_goes_is_refused_not_written_into(tmp_path):
    rec = record("xnli")
    path = write_record(rec, tmp_path)
    path.unlink()
    os.mkfifo(path)
    with deadline(20), pytest.raises(HarnessError, match="not a regular file"):
        write_record(rec, tmp_path)
    assert stat.S_ISFIFO(path.lstat().st_mode)
