"""How a task is named on a page: its spec's own title.

Kept apart from the site renderer because the question page and the terminal table name
tasks too, and the site imports them: a title helper inside the site made a cycle.
"""

from __future__ import annotations

from harness.spec import TaskSpec, default_registry


def task_title(task: TaskSpec | str) -> str:
    """The spec's own title (`title:` in its YAML, so a user's task shows its own); a bare name
    is looked up in the loaded specs and shown as is when no spec has it."""
    if isinstance(task, str):
        spec = default_registry().tasks.get(task)
        return task if spec is None else spec.display_title
    return task.display_title
