"""Choosing a DeepSpeed config and making DeepSpeed run in one process or under a launcher.

Why here: DeepSpeed and accelerate read their world from environment variables that a
launcher (`deepspeed`, `torchrun`) sets. Called from `python -m harness` without a launcher,
those are missing and DeepSpeed goes looking for MPI; on a machine without CUDA it must use
its CPU accelerator and the gloo backend. `prepare_environment` fills exactly the variables
a launcher would have set for a world of one process, and nothing when a launcher ran.
"""

from __future__ import annotations

import json
import os
import socket
from importlib import resources
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

BUILTIN_CONFIGS = ("zero2", "zero3_offload")
DEFAULT_DEEPSPEED = "zero2"


def builtin_config_path(name: str) -> Path:
    """Path of a config shipped with the package (`zero2`, `zero3_offload`)."""
    return Path(str(resources.files("harness.train").joinpath("deepspeed", f"{name}.json")))


def resolve_deepspeed(choice: str | Path | dict | None) -> dict[str, Any] | None:
    """Turn `--deepspeed` into a config dict, or None for plain (non-DeepSpeed) training.

    Accepts None / "none" / "off" (plain Trainer), a built-in name ("zero2", "zero3_offload"),
    a path to any DeepSpeed JSON file, or a dict. "auto" values are filled in by the HF Trainer
    from the hyperparameters, so one file serves every task.
    """
    if choice is None or (isinstance(choice, str) and choice.lower() in ("", "none", "off")):
        return None
    if isinstance(choice, dict):
        return json.loads(json.dumps(choice))  # a private copy: the Trainer fills it in
    path = builtin_config_path(str(choice)) if str(choice) in BUILTIN_CONFIGS else Path(choice)
    if not path.is_file():
        raise HarnessError(f"--deepspeed {choice}: no such file; give a DeepSpeed JSON config "
                           f"or one of {', '.join(BUILTIN_CONFIGS)}, or 'none'")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); fix the "
                           "DeepSpeed config") from None
    if not isinstance(config, dict):
        raise HarnessError(f"{path}:1: a DeepSpeed config must be a JSON object")
    return config


def deepspeed_label(choice: str | Path | dict | None) -> str:
    """A short name for records and logs: 'none', 'zero2', a file name, or 'custom'."""
    if choice is None or (isinstance(choice, str) and choice.lower() in ("", "none", "off")):
        return "none"
    if isinstance(choice, dict):
        return "custom"
    return str(choice) if str(choice) in BUILTIN_CONFIGS else Path(choice).name


def launched_by_launcher() -> bool:
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def prepare_environment(deepspeed: bool) -> None:
    """Set what a launcher would: CPU accelerator without CUDA, a world of one without a launcher."""
    import torch

    if not torch.cuda.is_available():
        os.environ.setdefault("DS_ACCELERATOR", "cpu")
    if deepspeed and not launched_by_launcher():
        os.environ.update({"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0",
                           "MASTER_ADDR": "127.0.0.1"})
        os.environ.setdefault("MASTER_PORT", str(free_port()))
    if deepspeed and not torch.cuda.is_available():
        skip_cpu_shm_op()


def skip_cpu_shm_op() -> None:
    """Use plain gloo collectives on CPU instead of DeepSpeed's shared-memory op.

    DeepSpeed compiles that C++ op on first use (minutes on a small machine, and a compiler
    in the image); it only speeds up CPU all-reduce, which the CPU path here does not need.
    DeepSpeed keeps its table of compatible ops in one module-level dict that it reads before
    building an op, so marking the op unavailable there is enough. HARNESS_DS_SHM=1 keeps it.
    """
    if os.environ.get("HARNESS_DS_SHM") == "1":
        return
    import deepspeed.ops

    deepspeed.ops.__compatible_ops__["deepspeed_shm_comm"] = False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_main_process() -> bool:
    """True on the process that writes files (rank 0), also when no process group exists."""
    return int(os.environ.get("RANK", "0")) == 0


def release_deepspeed_state() -> None:
    """Forget the global DeepSpeed config the HF integration keeps after a training.

    Otherwise a later `from_pretrained` in the same process may believe ZeRO-3 is still
    active and load partitioned (empty) weights.
    """
    import gc

    from transformers.integrations import deepspeed as hf_deepspeed

    gc.collect()
    if hasattr(hf_deepspeed, "unset_hf_deepspeed_config"):
        hf_deepspeed.unset_hf_deepspeed_config()
    os.environ.pop("ACCELERATE_USE_DEEPSPEED", None)
