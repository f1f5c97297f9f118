"""The leaderboard as a person sees it: pages loaded from file:// in headless Chromium (Debian's
/usr/bin/chromium), the DOM read back after the page's own JavaScript ran.

Sorting is driven through the page's real click handler: `#sort=KEY:asc` in the URL makes
sort.js click the header with that key once the page has loaded. Console output (script
errors, blocked resources, CSP violations) is read from Chromium's log and must be empty.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from test_leaderboard import Tables, cell, write_standard_results

from harness.leaderboard import build_site

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless browser test needs Debian's chromium at /usr/bin/chromium "
                                                     "(apt-get install chromium)"),
]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


def render(url: str, profile: Path) -> tuple[str, list[str]]:
    """The DOM after load, and every console message Chromium logged for the page."""
    done = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(profile)})
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    build_site(write_standard_results(root / "results"), root / "site")
    return root / "site"


@pytest.fixture
def profile(tmp_path) -> Path:
    return tmp_path / "chromium-profile"


def order(dom: str, table_id: str, attribute: str) -> list[str]:
    return [row["attrs"][attribute] for row in Tables(dom).tables[table_id]["rows"]]


def test_main_table_renders_numbers_without_console_output(site, profile):
    dom, console = render((site / "mini" / "index.html").as_uri(), profile)
    assert console == []
    table = Tables(dom).tables["leaderboard"]
    # multitask is a smoke run: in its own unranked table, never among the ranked full runs
    assert order(dom, "leaderboard", "data-system") == ["nli_en", "baseline", "nli_de"]
    assert order(dom, "leaderboard-unranked", "data-system") == ["multitask (smoke)"]
    assert cell(table, "data-system", "nli_en", "mean_over_groups")["text"] == "62.50"
    assert cell(table, "data-system", "nli_en", "xquad")["text"] == "52.50/72.50"
    assert 'tabindex="0"' in dom          # sort.js ran and made the headers focusable
    assert "aria-sort" not in dom


def test_clicking_a_header_sorts_the_rows(site, profile):
    page = (site / "mini" / "index.html").as_uri()
    dom, console = render(page + "#sort=xnli:asc", profile)
    assert console == []
    # XNLI: baseline 60, nli_de 60.5, nli_en 62.5
    assert order(dom, "leaderboard", "data-system") == ["baseline", "nli_de", "nli_en"]
    ranked = dom.split('id="leaderboard-unranked"')[0]      # the ranked table's header, not the smoke table's
    [header] = re.findall(r'<th[^>]*data-key="xnli"[^>]*>', ranked)
    assert 'aria-sort="ascending"' in header
    dom, _ = render(page + "#sort=xnli", profile)      # one click on a number column: highest first
    assert order(dom, "leaderboard", "data-system") == ["nli_en", "nli_de", "baseline"]
    dom, _ = render(page + "#sort=system", profile)    # text column: A → Z
    assert order(dom, "leaderboard", "data-system") == ["baseline", "nli_de", "nli_en"]


def test_every_page_loads_cleanly(site, profile):
    pages = ["index.html", "mini/variants.html", "mini/question.html", "mini/tasks/xnli.html", "mini/tasks/xquad.html"]
    for page in pages:
        dom, console = render((site / page).as_uri(), profile)
        assert console == [], (page, console)
        assert "<main>" in dom and "harness" in dom, page
    dom, _ = render((site / "mini" / "variants.html").as_uri() + "#sort=xnli:asc", profile)
    assert order(dom, "variants-1", "data-variant") == ["nli_de", "nli_en"]   # +0.5, +2.5 (multitask: smoke)
    table = Tables(dom).tables["variants-1"]
    assert cell(table, "data-variant", "nli_en", "xnli")["text"].startswith("+2.50")
    dom, _ = render((site / "mini" / "tasks" / "xnli.html").as_uri(), profile)
    assert dom.count("<svg") == 2 and "nli_de, de: +8.0 points" in dom


@pytest.fixture(scope="module")
def evidence_site(tmp_path_factory) -> Path:
    """Records with per-example evidence sidecars, so the pages carry bootstrap intervals."""
    from test_leaderboard_uncertainty import write_system

    root = tmp_path_factory.mktemp("browser-evidence")
    for variant, seed in (("baseline", None), ("nli_en", 1), ("nli_en", 2), ("nli_de", None), ("multitask", None)):
        write_system(root / "results", variant, seed)
    write_system(root / "results", "nli_de", None, publishable=False)
    build_site(root / "results", root / "site")
    return root / "site"


def test_question_page_draws_intervals_and_verdict_rows(evidence_site, profile):
    dom, console = render((evidence_site / "mini" / "question.html").as_uri(), profile)
    assert console == []
    verdicts = Tables(dom).tables["verdicts-1"]["rows"]
    keys = [row["attrs"]["data-key"] for row in verdicts]
    assert keys[:7] == ["xnli", "pawsx", "udpos", "panx", "xquad", "bucc2018", "tatoeba"]
    assert keys[-2:] == ["mean_over_tasks", "mean_over_groups"]
    for row in verdicts:          # every row: a difference, its interval around it, and the verdict sentence
        low, high = float(row["cells"][2]["attrs"]["data-low"]), float(row["cells"][2]["attrs"]["data-high"])
        assert low <= float(row["cells"][1]["attrs"]["data-value"]) <= high
        assert "significant" in row["cells"][4]["text"] and "[" in row["cells"][4]["text"]
    # the forest plot: an interval line per row, the zero line, tick labels on an axis
    forest = dom.split("<svg", 2)[1]
    assert forest.count('class="ci"') == len(verdicts)
    assert forest.count('class="zero"') == 1 and forest.count('class="tick"') >= 5
    assert "difference in points" in forest
    # the smoke run of nli_de is not the nli_de of the verdicts, and is named as not compared
    assert "Not compared: nli_de" in dom
    assert dom.count("<svg") == 3      # verdict forest, matched pair forest, language × task map
