"""Render the static leaderboard site from result records: Jinja2 templates, local assets, no CDN.

The site is a pure function of the records and the specs: every page is rendered in memory
first (so a bad input changes nothing on disk), then written with stable ordering and no
build timestamps, so the same results give a byte-identical site. Every page links with
relative paths only, so it works from `file://` and from any static host.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from harness import __version__
from harness.errors import HarnessError
from harness.languages import LANGUAGE_NAMES
from harness.leaderboard import charts
from harness.leaderboard.board import SuiteBoard, build_boards, system_key_of
from harness.leaderboard.compare import FAMILY_TITLES, ComparisonGroup, Delta, compare_variants
from harness.leaderboard.export import leaderboard_csv, leaderboard_document, leaderboard_json
from harness.leaderboard.publish import publish_site
from harness.leaderboard.question import FILTERS as QUESTION_FILTERS
from harness.leaderboard.question import GLOBALS as QUESTION_GLOBALS
from harness.leaderboard.question import board_uncertainty, evidence_lookup
from harness.leaderboard.references import load_references, reference_rows
from harness.leaderboard.titles import task_title  # re-exported: callers name it from the site
from harness.metrics.registry import METRICS, metric_of
from harness.resources import leaderboard_dir, leaderboard_files_dir
from harness.results import load_records
from harness.results.evidence import load_evidence
from harness.results.store import slug
from harness.spec import Registry, TaskSpec, default_registry
from harness.text_safety import NAME_LIMIT, safe_name, safe_note, strip_controls

log = logging.getLogger(__name__)

# Templates and assets ship as package data (leaderboard/ → harness.leaderboard_assets, see
# harness/resources.py); HARNESS_LEADERBOARD_DIR points elsewhere.
DEFAULT_LEADERBOARD_DIR = leaderboard_files_dir()
METRIC_TITLES = {name: entry.title for name, entry in METRICS.items()}  # from the metric registry
METRIC_NAMES = {"accuracy": "Accuracy", "f1": "F1", "exact_match": "Exact match (EM)", "precision": "Precision",
                "recall": "Recall"}
FAMILY_BADGES = {"baseline": "no intermediate", "english": "English", "non_english": "non-English", "control": "control"}


# --------------------------------------------------------------------------- formatting filters


def fmt_score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def fmt_delta(value: Delta | float | None) -> str:
    if value is None:
        return ""
    number = value.value if isinstance(value, Delta) else value
    return f"{number:+.2f}".replace("+0.00", "0.00").replace("-0.00", "0.00")


def delta_class(value: Delta | float | None) -> str:
    """CSS classes of a difference: its sign and one of four strengths."""
    if value is None:
        return ""
    number = value.value if isinstance(value, Delta) else value
    if abs(number) < 0.005:
        return "zero"
    size = abs(number)
    strength = 1 if size < 0.5 else 2 if size < 1.5 else 3 if size < 3 else 4
    return f"{'pos' if number > 0 else 'neg'} t{strength}"


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def _no_controls(value: Any) -> Any:
    """Jinja's finalize: no control character reaches a page, whichever template prints the value."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(strip_controls(str(value), keep_layout=True))
    if isinstance(value, str):
        return strip_controls(value, keep_layout=True)
    return value


def _environment(templates: Path) -> jinja2.Environment:
    if not templates.is_dir():
        raise HarnessError(f"{templates}: leaderboard templates not found; set HARNESS_LEADERBOARD_DIR to the "
                           "folder holding templates/ and assets/")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, finalize=_no_controls)
    env.filters.update(score=fmt_score, delta=fmt_delta, delta_class=delta_class, language=language_name,
                       task_title=task_title, slug=slug, tojson_sorted=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False),
                       safe_name=safe_name, safe_note=safe_note)
    env.filters.update(QUESTION_FILTERS)
    env.globals.update(QUESTION_GLOBALS)
    env.globals.update(version=__version__, family_titles=FAMILY_TITLES, metric_titles=METRIC_TITLES,
                       metric_names=METRIC_NAMES, family_badges=FAMILY_BADGES)
    return env


# --------------------------------------------------------------------------- page models


def system_labels(board: SuiteBoard) -> dict[tuple[str, str, str], str]:
    """Short unique names for the systems of a board: the variant, plus model or experiment when needed."""
    experiments = {row.experiment for row in board.systems}
    models = {row.model for row in board.systems}
    labels = {}
    for row in board.systems:
        label = row.variant if len(experiments) == 1 else f"{row.experiment}/{row.variant}"
        if len(models) > 1:
            label = f"{label} · {row.model}"
        if not row.trusted:  # a smoke run beside the full run of the same variant
            label = f"{label} ({row.run_class})"
        labels[row.key] = label
    return labels


@dataclass
class Column:
    key: str
    title: str
    kind: str          # rank | system | overall | group | task
    numeric: bool = True
    subtitle: str = ""
    group: str | None = None
    qa: bool = False


def main_columns(board: SuiteBoard) -> list[Column]:
    columns = [Column("rank", "#", "rank"), Column("system", "Model + intermediate variant", "system", numeric=False),
               Column("mean_over_tasks", "Tasks", "overall", subtitle="mean over tasks"),
               Column("mean_over_groups", "Categories", "overall", subtitle="mean over categories")]
    columns += [Column(g, board.group_titles[g], "group") for g in board.groups]
    for group in board.groups:
        columns += [Column(t.name, task_title(t), "task", subtitle=METRIC_TITLES.get(t.metric or "", ""), group=group,
                           qa=board.is_qa(t))
                    for t in board.group_tasks(group)]
    return columns


def _protocol_groups(records: list, labels: dict) -> list[dict]:
    """Records of one task grouped by identical protocol, so a shared protocol is shown once."""
    groups: dict[str, dict] = {}
    for record in records:
        text = json.dumps(record.protocol, sort_keys=True, ensure_ascii=False)
        entry = groups.setdefault(text, {"protocol": _flatten(record.protocol), "systems": set()})
        entry["systems"].add(labels[system_key_of(record)])
    return [{"protocol": g["protocol"], "systems": sorted(g["systems"])} for _, g in sorted(groups.items())]


def _flatten(mapping: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested protocol settings as sorted (dotted key, JSON value) pairs."""
    if not isinstance(mapping, dict):
        return [(prefix or "value", json.dumps(mapping, sort_keys=True, ensure_ascii=False))]
    items: list[tuple[str, str]] = []
    for key in sorted(mapping, key=str):
        value = mapping[key]
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            items += _flatten(value, name)
        else:
            items.append((name, value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)))
    return items


def task_page(board: SuiteBoard, task: TaskSpec, comparisons: list[ComparisonGroup], labels: dict,
              delta_limit: float | None = None) -> dict:
    rows = [row for row in board.systems if task.name in row.sheet["tasks"]]
    rows.sort(key=lambda row: (not row.trusted, row.task_score(task.name) is None, -(row.task_score(task.name) or 0.0),
                               row.key))
    # heatmap columns: the one variant order of the site, smoke and partial runs last
    map_rows = sorted(rows, key=lambda row: (not row.trusted, board.variant_order(row)))
    languages = board.languages(task)
    language_rows = [(code, language_name(code)) for code in languages]
    metrics, extra_metrics = list(metric_of(task).main_keys), list(metric_of(task).extra_keys)
    score_map = charts.heatmap(
        language_rows, [labels[row.key] for row in map_rows],
        [[row.language_score(task, code) for row in map_rows] for code in languages],
        mode="score", label=f"{task_title(task)}: score per language and variant")
    delta_maps = []
    for comparison in comparisons:
        variants = [v.row for v in comparison.variants if task.name in v.row.sheet["tasks"]]
        base = comparison.baseline
        if base is None or task.name not in base.sheet["tasks"] or not variants:
            continue
        values = []
        for code in languages:
            base_value = base.language_score(task, code)
            values.append([None if base_value is None or (v := row.language_score(task, code)) is None else v - base_value
                           for row in variants])
        delta_maps.append({"comparison": comparison, "chart": charts.heatmap(
            language_rows, [labels[row.key] for row in variants], values, mode="delta", unit=" points", limit=delta_limit,
            label=f"{task_title(task)}: difference to {base.variant} per language and variant")})
    records = sorted((r for r in board.records if r.task == task.name),
                     key=lambda r: (labels[system_key_of(r)], r.seed if r.seed is not None else -1))
    return {"task": task, "rows": rows, "languages": languages, "metrics": metrics, "extra_metrics": extra_metrics,
            "score_map": score_map, "delta_maps": delta_maps, "records": records,
            "protocols": _protocol_groups(records, labels), "spec_protocol": _flatten(task.protocol),
            "hyperparameters": _flatten(task.hyperparameters)}


# --------------------------------------------------------------------------- building


def _displayable_value(value: Any) -> Any:
    if isinstance(value, str):
        return safe_name(value) if len(value) <= NAME_LIMIT else safe_note(value)
    if isinstance(value, dict):
        return {safe_name(k): _displayable_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_displayable_value(v) for v in value]
    return value


def displayable(record: Any) -> Any:
    """A copy of `record` whose names and notes are safe on every page, the CSV and the JSON.

    Control characters go, names are cut to 200 characters and notes and protocol text to 2000
    (with a hash, so two long names stay apart): a 1 MB name must not be copied into every page.
    """
    return dataclasses.replace(
        record, experiment=safe_name(record.experiment), variant=safe_name(record.variant),
        model=safe_name(record.model), notes=safe_note(record.notes or ""),
        variant_family=None if record.variant_family is None else safe_name(record.variant_family),
        protocol=_displayable_value(record.protocol))


def render_site(records: list, registry: Registry, *, baseline_variant: str = "baseline",
                suites: list[str] | None = None, require_baseline: bool = False,
                leaderboard_root: Path | None = None, evidence: dict | None = None) -> dict[str, bytes]:
    """Every file of the site, by relative path, rendered in memory.

    `evidence` maps a record's index in `records` to its per-example evidence
    (`harness.results.evidence.load_evidence`); with it the pages show paired bootstrap intervals.
    """
    if not records:
        raise HarnessError("no result records to show; run `harness run` first (records end in .result.json)")
    records = [displayable(record) for record in records]
    evidence_of = evidence_lookup(records, evidence)
    boards = build_boards(records, registry, suites)
    if require_baseline and not any(row.variant == baseline_variant for b in boards for row in b.systems):
        present = sorted({row.variant for b in boards for row in b.systems})
        raise HarnessError(f"--baseline-variant {baseline_variant}: no results for this variant; "
                           f"variants present: {', '.join(present)}")
    root = leaderboard_root or leaderboard_dir()
    env = _environment(root / "templates")
    comparisons = {b.name: compare_variants(b, baseline_variant) for b in boards}
    uncertainty = {b.name: board_uncertainty(b, evidence_of, registry, comparisons[b.name]) for b in boards}
    files: dict[str, bytes] = {}
    common = {"boards": boards, "n_records": sum(len(b.records) for b in boards), "baseline_variant": baseline_variant}

    def render(path: str, template: str, **context: Any) -> None:
        depth = path.count("/")
        page = env.get_template(template).render(root="../" * depth, path=path, **common, **context)
        files[path] = page.encode("utf-8")

    render("index.html", "index.html.j2", board=None, page="home", title="Leaderboard")
    published = load_references()  # read once: the suite and question pages of every board show them
    for board in boards:
        labels = system_labels(board)
        references = reference_rows(board, published)
        base = board.name
        ctx = {"board": board, "labels": labels, "suite_slug": slug(board.name)}
        render(f"{slug(base)}/index.html", "suite.html.j2", page="table", title=f"{base}: leaderboard",
               columns=main_columns(board), references=references, **ctx)
        render(f"{slug(base)}/variants.html", "variants.html.j2", page="variants", title=f"{base}: variants",
               comparisons=comparisons[base], **ctx)
        render(f"{slug(base)}/question.html", "question.html.j2", page="question",
               title=f"{base}: English vs non-English intermediate tasks",
               answers=uncertainty[base]["answers"],
               uncertainty=uncertainty[base], references=references, **ctx)
        for task in board.tasks:
            render(f"{slug(base)}/tasks/{slug(task.name)}.html", "task.html.j2", page=f"task:{task.name}",
                   title=f"{base}: {task_title(task)}", comparisons=comparisons[base],
                   **task_page(board, task, comparisons[base], labels, uncertainty[base]["delta_limit"]), **ctx)
    assets = root / "assets"
    if not assets.is_dir():
        raise HarnessError(f"{assets}: leaderboard assets not found; set HARNESS_LEADERBOARD_DIR")
    for asset in sorted(assets.iterdir()):
        if asset.is_file():
            files[f"assets/{asset.name}"] = asset.read_bytes()
    files["leaderboard.json"] = leaderboard_json(leaderboard_document(boards, comparisons, uncertainty, baseline_variant))
    files["leaderboard.csv"] = leaderboard_csv(boards)
    return dict(sorted(files.items()))


def write_site(files: dict[str, bytes], site_dir: Path) -> None:
    """Swap `files` into `site_dir` atomically, replacing only what a previous build wrote (see publish.py)."""
    publish_site(files, Path(site_dir))


def build_site(results_dir: Path | str, site_dir: Path | str, *, baseline_variant: str = "baseline",
               registry: Registry | None = None, suites: list[str] | None = None,
               require_baseline: bool = False) -> Path:
    """Build the leaderboard of every record under `results_dir` into `site_dir`; returns its index.html."""
    registry = registry or default_registry()
    records = load_records(results_dir, registry)
    files = render_site(records, registry, baseline_variant=baseline_variant, suites=suites,
                        require_baseline=require_baseline, evidence=load_evidence(results_dir, records))
    write_site(files, Path(site_dir))
    shown = sorted({r.suite for r in records} if suites is None else set(suites))
    log.info("leaderboard: %d pages and files from %d records (suites: %s) in %s", len(files), len(records),
             ", ".join(shown), site_dir)
    return Path(site_dir) / "index.html"


__all__ = ["build_site", "leaderboard_dir", "render_site", "write_site"]
