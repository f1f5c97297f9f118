"""The built wheel on its own: installed into a fresh venv without torch, it lists its specs,
scores the XTREME mock submission, builds the leaderboard, and says which extra `run` and
`retrieve` need. Catches package data (tasks/, leaderboard/) missing from the wheel, and any
deep-learning import on the light paths."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from importlib import metadata
from pathlib import Path

import pytest

from harness.results import ResultRecord, write_record
from harness.spec import default_registry

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# What the base install needs (pyproject's `dependencies`, with what seqeval pulls in itself).
LIGHT_DEPENDENCIES = ("pyyaml", "numpy", "pandas", "jinja2", "seqeval", "tqdm")
# google-research/xtreme's evaluate.py on its mock_test_data (commit 838c13b), as pinned in
# tests/test_scoring.py (UD-POS scored as in 2020; summed in TASK2LANGS order).
OFFICIAL_OVERALL = 62.17319850507248
OFFICIAL_XNLI = 30.666666666666668


def _source_files() -> list[str]:
    """The working tree as git sees it: tracked files and untracked ones that are not ignored."""
    try:
        listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip("git is needed to list the source tree")
    return [name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv (no system site-packages) holding the wheel and the light dependencies only."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    for name in _source_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                  "-w", str(work / "dist"), str(source)])
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (work / "dist").glob("harness-*.whl")

    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    pins = []
    for name in LIGHT_DEPENDENCIES:  # the versions tested here, so the pip cache serves them
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pins.append(name)
    deps = _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins])
    if deps.returncode != 0:
        pytest.skip(f"cannot install the light dependencies (no package index or cache?): {deps.stderr[-500:]}")
    own = _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check", str(wheel)])
    assert own.returncode == 0, own.stdout + own.stderr
    return env_dir


def _harness(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("HARNESS_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # cwd outside the checkout: nothing may be found beside the source tree.
    return _run([str(env_dir / "bin" / "harness"), *args], cwd=cwd, env=env)


def test_wheel_has_no_deep_learning_packages_and_is_not_the_checkout(installed, tmp_path):
    python = installed / "bin" / "python"
    probe = _run([str(python), "-c", "import importlib.util as u, harness, harness.tasks, harness.leaderboard_assets;"
                  "print(harness.__file__); print([m for m in ('torch', 'transformers', 'faiss') if u.find_spec(m)])"],
                 cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    location, heavy = probe.stdout.splitlines()
    assert Path(location).is_relative_to(installed) and heavy == "[]"


def test_ls_tasks_reads_the_shipped_specs(installed, tmp_path):
    done = _harness(installed, "ls", "tasks", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.splitlines()[1:] if line.strip()}
    assert listed == set(default_registry().tasks)
    suites = _harness(installed, "ls", "suites", cwd=tmp_path)
    assert suites.returncode == 0 and "xtreme" in suites.stdout and "mini" in suites.stdout


def test_score_the_mock_submission(installed, tmp_path, xtreme_mock):
    out = tmp_path / "scores.json"
    done = _harness(installed, "score", "--predictions", str(xtreme_mock / "predictions"),
                    "--labels", str(xtreme_mock / "labels"), "--output", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    sheet = json.loads(out.read_text())
    assert sheet["tasks"]["xnli"]["score"] == OFFICIAL_XNLI
    assert sheet["overall"]["mean_over_tasks"] == OFFICIAL_OVERALL


def test_leaderboard_from_records(installed, tmp_path):
    registry = default_registry()
    suite = registry.suite("mini")
    results = tmp_path / "results"
    for variant, value in (("baseline", 60.0), ("nli_en", 62.5)):
        for name in suite.tasks:
            task = registry.task(name)
            keys = ("exact_match", "f1") if task.metric in ("squad_em_f1", "mlqa_em_f1") else task.metric_keys
            languages = {lang: dict.fromkeys(keys, value) for lang in suite.task_languages(task)}
            write_record(ResultRecord(experiment="mini", variant=variant, model="tiny", task=name, suite="mini",
                                      languages=languages, seed=1), results)
    done = _harness(installed, "leaderboard", str(results), "-o", str(tmp_path / "site"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("index.html", "leaderboard.json", "leaderboard.csv", "assets/style.css", "assets/sort.js"):
        assert (tmp_path / "site" / name).is_file(), name
    assert "62.50" in (tmp_path / "site" / "mini" / "index.html").read_text()


@pytest.mark.parametrize("argv", [
    ("run", "--dry-run"),
    ("--suite", "mini", "--dry-run"),  # `docker run harness --suite ...` is `run`
    ("retrieve", "--task", "tatoeba", "--model", "tiny", "--data-dir", ".", "--output", "out"),
])
def test_training_commands_name_the_extra_to_install(installed, tmp_path, argv):
    done = _harness(installed, *argv, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pip install 'harness[full,cpu]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_bare_command_prints_help(installed, tmp_path):
    done = _harness(installed, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("usage: harness")
