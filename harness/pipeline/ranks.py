"""Running the pipeline under a launcher (torchrun, deepspeed): one process per device.

Every rank trains (the Trainer shards each batch across them); rank 0 alone writes files.
The process group is created up front so that file writes by rank 0 can be fenced with
barriers before the other ranks read them; the Trainer and DeepSpeed reuse that group.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def ensure_process_group() -> None:
    """Join the launcher's world (no-op for a single process)."""
    if world_size() <= 1:
        return
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")


def barrier() -> None:
    if world_size() <= 1:
        return
    import torch.distributed as dist

    if dist.is_initialized():
        dist.barrier()


def on_main(action: Callable[[], T]) -> T | None:
    """Run `action` on rank 0 only; every rank waits until it is done."""
    result = action() if is_main_process() else None
    barrier()
    return result
