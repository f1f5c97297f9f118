"""The research question's answer, as the question page leads with it: non-English entailment
against English intermediate tasks, one verdict per task, category and overall, with paired
bootstrap intervals; matched head-to-head pairs; and a language × task map of the difference.

A family's figure is the mean over its (full-run) variants; the verdict is that mean for the
non-English family minus the mean for the English family, on the same bootstrap replicates.
"Best of family" is not used: it favours the family with more variants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from harness.languages import LANGUAGE_NAMES
from harness.leaderboard import charts
from harness.leaderboard.board import SuiteBoard, SystemRow, score_flag, system_key_of
from harness.leaderboard.compare import attach_intervals
from harness.leaderboard.titles import task_title
from harness.leaderboard.uncertainty import BoardBootstrap, levels, matched_pairs, observed
from harness.spec import Registry
from harness.stats.bootstrap import DEFAULT_REPLICATES, DEFAULT_SEED, Estimate

FIRST, SECOND = "non_english", "english"
TITLES = {"non_english": "non-English entailment", "english": "English"}


def signed(value: float, digits: int = 2) -> str:
    """+1.25 / −0.30 (a true minus sign), 0.00 for zero."""
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", "\u2212")


def interval_text(estimate: Estimate, digits: int = 2) -> str:
    return f"{signed(estimate.value, digits)} [{signed(estimate.low, digits)}, {signed(estimate.high, digits)}]"


@dataclass
class Verdict:
    """One figure of a contrast: its value, interval and the sentence that states it."""

    level: str
    key: str
    title: str
    value: float | None
    estimate: Estimate | None
    label: str = ""

    @property
    def significant(self) -> bool | None:
        return None if self.estimate is None else self.estimate.significant

    @property
    def status(self) -> str:
        if self.estimate is None:
            return "no interval" if self.value is not None else "no result"
        return "significant" if self.estimate.significant else "not significant"

    @property
    def text(self) -> str:
        if self.value is None:
            return f"{self.label}: no result"
        if self.estimate is None:
            return f"{self.label}: {signed(self.value)} (no per-example evidence, no interval)"
        p = self.estimate.p
        p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        return f"{self.label}: {interval_text(self.estimate)}, {self.status} ({p_text})"

    @property
    def seed_note(self) -> str:
        e = self.estimate
        if e is None or e.seed_std is None:
            return ""
        return f"± {e.seed_std:.2f} over {e.seeds} seeds"


def contrast_verdicts(board: SuiteBoard, bootstrap: BoardBootstrap | None, first: list[SystemRow],
                      second: list[SystemRow], label: str) -> list[Verdict]:
    out = []
    for level, key, title in levels(board):
        shown = title if level != "tasks" else task_title(key)
        values_a = [observed(r, board, level, key) for r in first]
        values_b = [observed(r, board, level, key) for r in second]
        value = None
        if first and second and None not in values_a and None not in values_b:
            value = sum(values_a) / len(values_a) - sum(values_b) / len(values_b)
        est = None if bootstrap is None or value is None else bootstrap.contrast(first, second, level, key)
        out.append(Verdict(level, key, shown, value, est, label=f"{label}, {shown}"))
    return out


def forest(verdicts: list[Verdict], label: str) -> charts.Chart:
    rows = []
    for v in verdicts:
        if v.value is None:
            continue
        e = v.estimate
        note = interval_text(e) if e is not None else f"{signed(v.value)} (no CI)"
        if e is not None:
            note += "" if e.significant else "  n.s."
        rows.append(charts.ForestRow(v.title, v.value, None if e is None else e.low, None if e is None else e.high,
                                     note, strong=v.level != "tasks"))
    return charts.forest_plot(rows, label)


@dataclass
class HeadToHead:
    first: SystemRow
    second: SystemRow
    verdicts: list[Verdict]
    chart: charts.Chart


@dataclass
class QuestionAnswer:
    experiment: str
    model: str
    first: list[SystemRow]
    second: list[SystemRow]
    verdicts: list[Verdict]
    chart: charts.Chart
    pairs: list[HeadToHead] = field(default_factory=list)
    language_map: charts.Chart | None = None
    untrusted: list[SystemRow] = field(default_factory=list)
    has_intervals: bool = False

    @property
    def headline(self) -> Verdict | None:
        return next((v for v in self.verdicts if v.key == "mean_over_groups" and v.value is not None),
                    next((v for v in self.verdicts if v.key == "mean_over_tasks" and v.value is not None), None))


def language_map(board: SuiteBoard, bootstrap: BoardBootstrap | None, first: list[SystemRow],
                 second: list[SystemRow], limit: float, label: str) -> charts.Chart | None:
    """Rows: languages (one order for the suite), columns: tasks; cells: family difference."""
    codes = board.language_order()
    values, titles = [], []
    for code in codes:
        row_values, row_titles = [], []
        for task in board.tasks:
            key = (task.name, code)
            a = [observed(r, board, "languages", key) for r in first]
            b = [observed(r, board, "languages", key) for r in second]
            if not first or not second or None in a or None in b:
                row_values.append(None)
                row_titles.append("")
                continue
            value = sum(a) / len(a) - sum(b) / len(b)
            est = None if bootstrap is None else bootstrap.contrast(first, second, "languages", key)
            row_values.append(value)
            name = task_title(task.name)
            row_titles.append(f"{name}, {code}: {interval_text(est)} points" if est is not None
                              else f"{name}, {code}: {signed(value)} points (no CI)")
        values.append(row_values)
        titles.append(row_titles)
    keep = [i for i, row in enumerate(values) if any(v is not None for v in row)]
    if not keep:
        return None
    return charts.heatmap([(codes[i], LANGUAGE_NAMES.get(codes[i], codes[i])) for i in keep],
                          [task_title(t.name) for t in board.tasks], [values[i] for i in keep], mode="delta",
                          label=label, unit=" points", limit=limit, titles=[titles[i] for i in keep])


def answer_question(board: SuiteBoard, bootstrap: BoardBootstrap | None, registry: Registry,
                    delta_limit: float) -> list[QuestionAnswer]:
    """One answer per (experiment, model) that has full-run variants of both families."""
    grouped: dict[tuple[str, str], list[SystemRow]] = defaultdict(list)
    for row in board.systems:
        grouped[(row.experiment, row.model)].append(row)
    answers = []
    for (experiment, model), rows in sorted(grouped.items()):
        rows = sorted(rows, key=board.variant_order)
        first = [r for r in rows if r.trusted and r.family == FIRST]
        second = [r for r in rows if r.trusted and r.family == SECOND]
        untrusted = [r for r in rows if not r.trusted and r.family in (FIRST, SECOND)]
        if not first and not second:
            continue
        label = f"{TITLES[FIRST]} vs {TITLES[SECOND]}"
        verdicts = contrast_verdicts(board, bootstrap, first, second, label)
        answer = QuestionAnswer(
            experiment=experiment, model=model, first=first, second=second, verdicts=verdicts,
            chart=forest(verdicts, f"{label} ({model}): difference per target task, category and overall, "
                                   "95% paired bootstrap intervals"),
            untrusted=untrusted, has_intervals=any(v.estimate is not None for v in verdicts))
        for a, b in matched_pairs(rows, registry, FIRST, SECOND):
            pair_verdicts = contrast_verdicts(board, bootstrap, [a], [b], f"{a.variant} vs {b.variant}")
            answer.pairs.append(HeadToHead(a, b, pair_verdicts,
                                           forest(pair_verdicts, f"{a.variant} − {b.variant}: difference per "
                                                                 "target task, 95% paired bootstrap intervals")))
        answer.language_map = language_map(board, bootstrap, first, second, delta_limit,
                                           f"{label}: difference per language and target task")
        answers.append(answer)
    return answers


def delta_limit(board: SuiteBoard, comparisons: list) -> float:
    """One colour range for every difference heatmap of a suite: the largest |difference| of any
    language of any full-run variant against its baseline, rounded up to a round number."""
    largest = 0.0
    for group in comparisons:
        base = group.baseline
        if base is None:
            continue
        for variant in group.variants:
            for task in board.tasks:
                for lang in board.languages(task):
                    a, b = variant.row.language_score(task, lang), base.language_score(task, lang)
                    if a is not None and b is not None:
                        largest = max(largest, abs(a - b))
    return charts.nice_limit(largest)


def evidence_lookup(records: list, evidence: dict | None):
    """A record → its evidence (or None) function over the records as the site holds them."""
    by_id = {id(records[index]): item for index, item in (evidence or {}).items() if index < len(records)}
    return lambda record: by_id.get(id(record))


def board_uncertainty(board: SuiteBoard, evidence_of, registry: Registry, comparisons: list, *,
                      replicates: int | None = None, seed: int | None = None) -> dict:
    """What the pages of one suite need: the bootstrap, the question's answers, the colour range."""
    bootstrap = BoardBootstrap(board, evidence_of, replicates=replicates or DEFAULT_REPLICATES,
                               seed=DEFAULT_SEED if seed is None else seed)
    if not any(bootstrap.has(row) for row in board.systems):
        bootstrap = None
    attach_intervals(comparisons, bootstrap)
    limit = delta_limit(board, comparisons)
    return {"bootstrap": bootstrap, "delta_limit": limit,
            "answers": answer_question(board, bootstrap, registry, limit),
            "replicates": replicates or DEFAULT_REPLICATES}


def pvalue_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


# Jinja filters the question, variants and task pages use.
FILTERS = {"signed": signed, "pvalue": pvalue_text}
GLOBALS = {
    "flag_titles": {"chance": "at chance level (within 1 point of guessing, from the task spec's chance)",
                    "zero": "zero: nothing scored right; check the run"},
    "flag_marks": {"chance": "≈c", "zero": "0!"},
}


def flag_of(board: SuiteBoard, task_name: str, value: float | None) -> str | None:
    task = next((t for t in board.tasks if t.name == task_name), None)
    return None if task is None else score_flag(task, value)


GLOBALS["board_flag"] = flag_of  # pages call board_flag(board, task name, value)


GLOBALS["system_key_of"] = system_key_of


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def verdict_json(verdict: Verdict) -> dict:
    out = {"level": verdict.level, "key": verdict.key, "title": verdict.title, "value": _rounded(verdict.value),
           "status": verdict.status}
    if verdict.estimate is not None:
        e = verdict.estimate
        out.update(ci95=[_rounded(e.low), _rounded(e.high)], p=_rounded(e.p), replicates=e.replicates,
                   significant=e.significant, seed_std=_rounded(e.seed_std), seeds=e.seeds)
    return out


def answers_json(context: dict) -> dict:
    """The question page's numbers for leaderboard.json: the same verdicts and intervals."""
    return {
        "method": "non-English family mean minus English family mean; 95% percentile interval of a paired "
                  "bootstrap over test items, seeds averaged inside each replicate; p = twice the share of "
                  "replicates on the other side of zero; full runs only",
        "replicates": context["replicates"],
        "answers": [{"experiment": a.experiment, "model": a.model,
                     "non_english": [r.variant for r in a.first], "english": [r.variant for r in a.second],
                     "verdicts": [verdict_json(v) for v in a.verdicts],
                     "pairs": [{"first": p.first.variant, "second": p.second.variant,
                                "verdicts": [verdict_json(v) for v in p.verdicts]} for p in a.pairs],
                     "not_compared": [{"variant": r.variant, "run_class": r.run_class} for r in a.untrusted]}
                    for a in context["answers"]],
    }
