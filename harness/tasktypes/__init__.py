"""Task types: one object per kind of task (labels, features, collator, head, decoding, gold,
prediction and gold files), registered by name; see `harness.tasktypes.base.TaskType`.

    from harness.tasktypes import task_type_of
    kind = task_type_of(spec)          # e.g. <task type pair_classification>
    kind.trained, kind.retrieval, kind.format.suffix, kind.labels(spec, train_examples)

Importing this package loads no torch; the training parts import `harness.train.*` when used.
"""

from harness.tasktypes import retrieval as _retrieval  # noqa: F401  (registers the retrieval types)
from harness.tasktypes import trained as _trained  # noqa: F401  (registers the trained types)
from harness.tasktypes.base import TASK_TYPES, TaskType, register_task_type, task_type, task_type_of
from harness.tasktypes.evaluation import Evaluated, evaluate_split, gold_dir_for
from harness.tasktypes.retrieval import RetrievalTaskType

__all__ = ["TASK_TYPES", "Evaluated", "RetrievalTaskType", "TaskType", "evaluate_split", "gold_dir_for",
           "register_task_type", "task_type", "task_type_of"]
