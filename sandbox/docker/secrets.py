"""Keep host secrets out of everything a sandbox returns (the logic lives in the kernel,
`codefix.core.redaction`, so that every artefact written goes through the same redaction)."""

from codefix.core.redaction import MASK, MIN_SECRET_LENGTH, SECRET_NAME, redact, secret_values

__all__ = ["MASK", "MIN_SECRET_LENGTH", "SECRET_NAME", "redact", "secret_values"]
