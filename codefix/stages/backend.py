"""The live sandbox backend a command uses, opened from its run configuration (composition root)."""

from __future__ import annotations

from collections.abc import Callable


def open_backend(sandbox_config, *, log: Callable[[str], None] | None = None):
    """The backend of a run's `sandbox` config (`sandbox.backend_config`), owning the run's use of
    its engine: images, host checkout, sandboxes, clean-up. `log` hears its image messages (default:
    one line each on stderr). Use it as a context manager: leaving applies the image cache level."""
    if log is None:
        import sys

        def log(msg: str) -> None:
            print(f"images: {msg}", file=sys.stderr, flush=True)

    return sandbox_config.open(log=log)
