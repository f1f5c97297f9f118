"""The plan as a person reads it before hours of training start (printed on stdout)."""

from __future__ import annotations

from collections.abc import Iterable

from harness.pipeline.plan import Plan


def format_plan(plan: Plan, done: Iterable[str] = (), problems: Iterable[str] = ()) -> str:
    """One line per step, `done` marking steps whose output already exists; problems that stop
    the run (an unavailable model) at the end."""
    s = plan.settings
    done = set(done)
    counts = {kind: len(plan.of_kind(kind)) for kind in ("intermediate", "target", "retrieval")}
    spec = plan.model_spec
    source = f" ({spec.source.describe()}, identity {plan.model_identity[:40]})" if spec is not None else ""
    lines = [
        f"plan: suite {plan.suite.name}, experiment {plan.experiment.name}, model {plan.model}, "
        f"seeds {', '.join(map(str, s.seeds))}",
        f"      {counts['intermediate']} intermediate trainings, {counts['target']} target fine-tunings "
        f"(each evaluated zero-shot in every language), {counts['retrieval']} retrieval evaluations; "
        f"{len(done & {step.key for step in plan.steps})} of {len(plan.steps)} steps done before",
        f"      model{source}",
        f"      data {s.data_dir}, deepspeed {s.deepspeed or 'none'}, eval split {s.eval_split}"
        + ("" if s.publishable else f"; SMOKE RUN (limit={s.limit}, max_steps={s.max_steps}): not publishable"),
    ]
    protocols = {}
    for step in plan.steps:
        if step.retrieval is not None:
            protocols.setdefault(step.task, step.retrieval)
    for task, p in protocols.items():
        lines.append(f"      retrieval {task}: layer {p.layer} ({p.layer_rule}), {p.pooling} pooling, "
                     f"prefix {p.prefix!r}, max length {p.max_length}")
    for step in plan.steps:
        where = f"[{step.key}]"
        langs = f" ({len(step.languages)} languages)" if step.languages else ""
        status = " [done]" if step.key in done else ""
        run_class = f" [{step.run_class}]" if step.run_class == "partial" else ""
        lines.append(f"  {where} {step.kind:<12} {step.label}{langs}{run_class}{status}")
    for problem in problems:
        lines.append(f"  NOT RUNNABLE: {problem}")
    return "\n".join(lines)
