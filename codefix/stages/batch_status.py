"""A batch instance's status record (`<run>/<instance>/batch_status.json`), what it has spent, and
which failures count as infrastructure (retried as they are) rather than the instance's own."""

from __future__ import annotations

from pathlib import Path

from codefix.core.errors import ModelError, SandboxError, RateLimited
from codefix.core.run_layout import BATCH_STATUS
from codefix.core.store import read_json


def status_path(run_root: Path, instance_id: str) -> Path:
    return run_root / instance_id / BATCH_STATUS


def read_status(run_root: Path, instance_id: str) -> dict | None:
    path = status_path(run_root, instance_id)
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def is_infrastructure(exc: BaseException) -> bool:
    """Failures of the machinery (Docker, model API and its rate limits, network, disk), worth
    retrying as they are."""
    if isinstance(exc, (SandboxError, ModelError, RateLimited, OSError, TimeoutError)):
        return True
    module = type(exc).__module__ or ""
    return module.split(".")[0] in ("docker", "requests", "urllib3", "litellm", "httpx", "openai", "ray")


def instance_spent(run_root: Path, instance_id: str) -> float:
    """USD the instance's journal records (0 without one); a damaged journal falls back to the
    spend its status last recorded."""
    from codefix.core.errors import InputError
    from codefix.core.ledger import journal_spent

    try:
        return journal_spent(run_root / instance_id)
    except InputError:
        return float((read_status(run_root, instance_id) or {}).get("spent", 0.0))
