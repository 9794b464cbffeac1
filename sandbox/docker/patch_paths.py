"""The file paths a unified diff touches (the parser lives in the kernel, `codefix.core.diff_paths`,
so that every package can tell which files a patch changes)."""

from codefix.core.diff_paths import strip_prefix, touched_paths

__all__ = ["strip_prefix", "touched_paths"]
