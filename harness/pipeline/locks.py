"""The step lock, as the pipeline names it: re-exported from ``harness.locks``.

The flock helper is foundation (the mini data generation takes it too, below the pipeline),
so its code lives in ``harness.locks``; this module keeps the pipeline's import path.
"""

from harness.locks import POLL_S, REPORT_EVERY_S, StepLock, is_locked, lock_path, step_lock

__all__ = ["POLL_S", "REPORT_EVERY_S", "StepLock", "is_locked", "lock_path", "step_lock"]
