"""Running exactly one step of a serialized plan: what a cluster job does.

The step's upstream (the model or intermediate checkpoint it starts from) must already be
done: a job is only started after its dependency finished, and run by hand the command says
which step to run first. Whether the step built anything or found it done (another job
got there first) is returned, so a job can log it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError
from harness.pipeline.plan import Plan, Step


def step_done(plan: Plan, step: Step) -> bool:
    """Whether a step's checkpoint or record is finished (a local model folder always is)."""
    from harness.pipeline.records import is_done

    spec = plan.model_spec
    if step.kind == "model" and spec is not None and spec.source.kind == "folder":
        return True
    return is_done(plan, step)


def find_step(plan: Plan, key: str) -> Step:
    for step in plan.steps:
        if step.key == key:
            return step
    known = ", ".join(f"{s.key} ({s.label})" for s in plan.steps[:6])
    raise HarnessError(f"--key {key!r}: no such step in the plan; its steps include {known}")


@dataclass(frozen=True)
class StepOutcome:
    step: Step
    built: tuple[str, ...]  # the checkpoints this process trained ("intermediate-<key>", ...)
    wrote_record: bool
    summary: str


def run_single_step(executor, key: str, plan_file: Path | None = None) -> StepOutcome:
    """Run one step with `executor` (a harness.pipeline.execute.Executor over the plan)."""
    from harness.pipeline.ranks import ensure_process_group

    plan = executor.plan
    step = find_step(plan, key)
    built: list[str] = []
    original = executor.store.get_or_build

    def spying_get_or_build(kind, ckpt_key, build):
        def counted(out):
            built.append(f"{kind}-{ckpt_key}")
            return build(out)

        return original(kind, ckpt_key, counted)

    executor.store.get_or_build = spying_get_or_build
    ensure_process_group()
    started = time.monotonic()
    if step.kind == "model":
        encoder = executor.model_encoder(step)
        return StepOutcome(step, tuple(built), False, f"model ready: {encoder}")
    upstream = find_step(plan, step.upstream)
    if not step_done(plan, upstream):
        how = f"harness step --plan {plan_file} --key {upstream.key}" if plan_file else f"step {upstream.key}"
        raise HarnessError(f"step {step.label!r} starts from {upstream.label!r}, which is not done; run it first "
                           f"({how})")
    if upstream.kind == "model":
        executor.encoders[upstream.key] = executor.model_encoder(upstream)
    else:
        executor.encoders[upstream.key] = executor.store.path(upstream.kind, upstream.key) / "encoder"
    finished_before = len(executor.finished)
    summary = executor._run_step(step, started)  # noqa: SLF001 - the executor's one-step entry
    return StepOutcome(step, tuple(built), len(executor.finished) > finished_before, summary)
