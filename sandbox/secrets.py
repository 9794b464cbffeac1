"""Keep host secrets out of everything a sandbox returns (the logic lives in the kernel,
`codefix.redaction`, so that every artefact written goes through the same redaction)."""

from codefix.redaction import MASK, MIN_SECRET_LENGTH, SECRET_NAME, redact, secret_values

__all__ = ["MASK", "MIN_SECRET_LENGTH", "SECRET_NAME", "redact", "secret_values"]
