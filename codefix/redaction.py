"""Keep host secrets out of everything codefix returns or writes.

Containers never receive the host environment (sandboxes pass an explicit minimal env); this is
the second guard: any value of a host variable whose name looks like a secret is replaced by
`***`, in sandbox output and in every artefact written (trajectories, candidates, predictions,
ledgers, logs), also where JSON escaped it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|_AUTH", re.IGNORECASE)
MIN_SECRET_LENGTH = 8
MASK = "***"


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of secret-looking variables (at least 8 characters), longest first."""
    env = os.environ if environ is None else environ
    values = {v for k, v in env.items() if SECRET_NAME.search(k) and len(v) >= MIN_SECRET_LENGTH}
    return sorted(values, key=len, reverse=True)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with every secret value from the (host) environment replaced by `***`, also in its
    JSON-escaped form."""
    for value in secret_values(environ):
        for form in {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}:
            if form in text:
                text = text.replace(form, MASK)
    return text
