"""`harness data list` lists the tasks of the loaded specs, so a task from --tasks-dir appears."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import child_env

ROOT = Path(__file__).resolve().parents[1]


def _data_list(*args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT, capture_output=True, text=True,
                            env=child_env(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1"), timeout=120, check=True)
    return result.stdout.splitlines()


def test_a_user_task_from_tasks_dir_is_listed_with_its_languages(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    text = (ROOT / "tasks/xtreme/xnli.yaml").read_text(encoding="utf-8")
    assert text.startswith("name: xnli\n")
    name = "my_own_xnli_copy_task"  # longer than the 14-character column: the column widens
    (specs / "mine.yaml").write_text(text.replace("name: xnli\n", f"name: {name}\n", 1), encoding="utf-8")
    data = tmp_path / "data"
    (data / "xnli/xtreme_processed").mkdir(parents=True)
    (data / "xnli/xtreme_processed/dev-de.tsv").write_text("", encoding="utf-8")

    plain = _data_list("data", "list", "--data-dir", str(data))
    assert not any(line.startswith(name) for line in plain)
    assert "xnli           dev: de" in plain and any(line.startswith("mnli ") for line in plain)

    lines = _data_list("--tasks-dir", str(specs), "data", "list", "--data-dir", str(data))
    pad = " " * (len(name) - len("xnli"))
    assert f"{name} dev: de" in lines and f"xnli{pad} dev: de" in lines
    assert len(lines) == len(plain) + 1
