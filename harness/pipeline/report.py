"""The plan as a person reads it before hours of training start."""

from __future__ import annotations

from harness.pipeline.plan import Plan


def format_plan(plan: Plan) -> str:
    s = plan.settings
    counts = {kind: len(plan.of_kind(kind)) for kind in ("intermediate", "target", "retrieval")}
    lines = [
        f"plan: suite {plan.suite.name}, experiment {plan.experiment.name}, model {plan.model}, "
        f"seeds {', '.join(map(str, s.seeds))}",
        f"      {counts['intermediate']} intermediate trainings, {counts['target']} target fine-tunings "
        f"(each evaluated zero-shot in every language), {counts['retrieval']} retrieval evaluations",
        f"      data {s.data_dir}, deepspeed {s.deepspeed or 'none'}, eval split {s.eval_split}"
        + ("" if s.publishable else f"; SMOKE RUN (limit={s.limit}, max_steps={s.max_steps}): not publishable"),
    ]
    for step in plan.steps:
        where = f"[{step.key}]"
        langs = f" ({len(step.languages)} languages)" if step.languages else ""
        lines.append(f"  {where} {step.kind:<12} {step.label}{langs}")
    return "\n".join(lines)
