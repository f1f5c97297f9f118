"""Package data, not code: the built-in task, suite and experiment specs, installed as `harness.tasks`."""
