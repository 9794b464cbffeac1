"""Is a grading log the environment's failure rather than the patch's? A signature table.

swebench 5's own table (`swebench.harness.infra_failure`) comes first; only its environment
tier counts (its ambiguous tier, such as "no tests ran", can be a bad patch's doing). codefix adds
what its own sandboxes show: bash's job-status line for a test command the kernel (or a
supervisor) killed with SIGKILL. A log that matches is an infrastructure failure: labelled, never
counted as an unresolved patch.
"""

from __future__ import annotations

import re

# (reason, pattern), matched in order after swebench's table; the first hit wins.
CODEFIX_SIGNATURES: tuple[tuple[str, str], ...] = (
    ("killed", r"line \d+: +\d+ Killed\b"),
    ("out_of_memory", r"\bMemoryError\b.*\n.*\bMemoryError\b|oom-kill"),
)
_COMPILED = tuple((reason, re.compile(pattern)) for reason, pattern in CODEFIX_SIGNATURES)


def environment_failure(log_text: str) -> str | None:
    """The reason of the first environment signature in the log; None when it shows none."""
    from swebench.harness.infra_failure import TIER_ENVIRONMENT, classify_text

    found = classify_text(log_text)
    if found is not None and found[1] == TIER_ENVIRONMENT:
        return found[0]
    return next((reason for reason, pattern in _COMPILED if pattern.search(log_text)), None)
