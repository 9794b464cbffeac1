"""The exceptions codefix raises on purpose.

`CodefixError` is the root; the CLI prints any of them as one line (no traceback) and
exits non-zero. Subclasses mix in builtins where a caller may reasonably catch those.
"""


class CodefixError(Exception):
    """Root of every error codefix raises deliberately."""

    exit_code = 1


class InputError(CodefixError, ValueError):
    """The user's input is unusable: unknown instance, malformed file, bad patch file."""

    exit_code = 2


class DamagedArtefact(InputError):
    """A stored artefact is unreadable (truncated by a crash, or not what codefix wrote)."""

    def __init__(self, message: str, path=None):
        super().__init__(message)
        self.path = path


class CodefixWarning(UserWarning):
    """Something was worked around and the user should know (the CLI prints it as one line)."""


class SandboxError(CodefixError, RuntimeError):
    """The execution infrastructure failed (engine down, container died, image missing).

    Never a verdict about a patch or a test: callers record it as an infrastructure error.
    """


class SandboxGone(SandboxError):
    """The sandbox's container died, stopped, restarted or was removed under a command, whatever
    the engine answered about it ("is not running", "No such exec instance", "No such container",
    an exit code 137, a broken stream): the container's own state says so, not one wording."""


class UnsafePatchError(CodefixError, ValueError):
    """A patch touches paths outside the repository and was refused."""


class PatchApplyError(CodefixError):
    """A patch could not be applied, by `git apply` nor by the fuzzy fallback."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.output = output


class ModelError(CodefixError, RuntimeError):
    """A model call failed for good (after any retries that apply)."""


class ContextWindowExceeded(ModelError):
    """The prompt does not fit the model's context window; never retried."""


class BudgetExceeded(CodefixError):
    """The next call could push spending past the budget; nothing was sent."""

    def __init__(self, message: str, spent: float = 0.0, budget: float = 0.0):
        super().__init__(message)
        self.spent = spent
        self.budget = budget


class RateLimited(CodefixError, RuntimeError):
    """A model call could not get through the provider's rate limits within its wait budget.

    An infrastructure failure, never a verdict: the trajectory or instance stops unfinished and
    the next rerun retries it (the calls already answered are not paid again).
    """


class EngineUnreachable(SandboxError):
    """The sandbox engine a run is configured for does not answer (its URL is named in the message)."""
