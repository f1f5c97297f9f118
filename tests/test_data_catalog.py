"""The data layer resolves task names through the catalog harness.spec registers (harness/data/catalog.py).

Run in child processes: in this one, other test modules have long imported harness.spec.
"""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, child_env


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env(), capture_output=True,
                          text=True, timeout=120, check=False)


def test_the_data_layer_imports_without_the_specs_and_says_what_a_task_name_needs(tmp_path):
    code = ("import sys\nfrom harness.data import download, mini, sources\nfrom harness.errors import HarnessError\n"
            "assert 'harness.spec' not in sys.modules, 'the data layer imported the spec layer above it'\n"
            "try:\n"
            f"    sources.load_split({str(tmp_path)!r}, 'xnli', 'en', 'test')\n"
            "except HarnessError as err:\n    print(err)\n")
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert "`import harness.spec` first" in done.stdout


def test_importing_the_specs_registers_the_active_registry():
    code = ("from harness.data.catalog import catalog\nfrom harness.spec import default_registry\n"
            "assert catalog() is default_registry()\n"
            "from harness.data.download import data_key\nprint(data_key('xnli_mt_de'))\n")
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "xnli"  # tasks/intermediate/xnli_mt.yaml: `download: {bundle: xnli}`


def test_harness_data_resolves_task_names_in_a_fresh_process(tmp_path):
    done = subprocess.run([sys.executable, "-m", "harness", "data", "list", "--tasks", "xnli", "--dir", str(tmp_path)],
                          cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("xnli")
