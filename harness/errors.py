"""The one exception a user can cause. The CLI turns it into a single message and an exit code."""


class HarnessError(Exception):
    """A failure the user can fix: the message names the file, line or option and what to do."""

    exit_code = 2

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
