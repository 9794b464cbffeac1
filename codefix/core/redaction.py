"""Keep host secrets out of everything codefix returns or writes.

Containers never receive the host environment (sandboxes pass an explicit minimal env); this is
the second guard: any value of a host variable whose name looks like a secret is replaced by
`***`, in sandbox output and in every artefact written (trajectories, candidates, predictions,
ledgers, logs, the viewer's page and what `view --serve` sends), also where JSON escaped it; so
is a password written in any variable's URL or DSN.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|_AUTH|_(PAT|PASS|PWD)(_|$)|^PASS(_|$)",
                         re.IGNORECASE)
"""A variable whose value is a secret (`PWD` and `PATH` are not: `*_PWD` and `*_PAT` are)."""
MIN_SECRET_LENGTH = 8
MASK = "***"
URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#@\s:]*):([^/?#@\s]+)@")
"""`scheme://user:password@host`: a password in any variable's value (DATABASE_URL, a DSN)."""
DSN_PASSWORD = re.compile(r"(?:^|[\s;])(?:password|pwd)\s*=\s*([^\s;]+)", re.IGNORECASE)
"""`password=...` of a key-value DSN (`host=db password=... dbname=x`)."""


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of secret-looking variables (at least 8 characters), and the passwords written in
    any variable's URLs or DSNs (`user:password@` whatever its length, the password alone when
    it has 8 characters or more), longest first."""
    env = os.environ if environ is None else environ
    values = {v for k, v in env.items() if SECRET_NAME.search(k) and len(v) >= MIN_SECRET_LENGTH}
    for value in env.values():
        for match in URL_PASSWORD.finditer(value):
            values.add(f"{match.group(1)}:{match.group(2)}@")
            values.add(match.group(2))
        values.update(m.group(1) for m in DSN_PASSWORD.finditer(value))
    return sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH or v.endswith("@")), key=len, reverse=True)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with every secret value from the (host) environment replaced by `***`, also in its
    JSON-escaped form."""
    for value in secret_values(environ):
        # `user:password@` keeps its user and its `@`, so the URL stays readable
        mask = value[:value.index(":") + 1] + MASK + "@" if value.endswith("@") else MASK
        for form in {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}:
            if form in text:
                text = text.replace(form, mask)
    return text
