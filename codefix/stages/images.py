"""The image acquirer a command uses, made from its image options (composition root)."""

from __future__ import annotations

from collections.abc import Callable


def make_acquirer(image_opts: dict | None, *, cache_level: str = "instance", log: Callable[[str], None] | None = None):
    """An `ImageAcquirer` for `image_opts` (from `codefix.cli.image_options`); `cache_level` fills in
    when the command left it to the run."""
    from sandbox.image_acquire import ImageAcquirer
    from sandbox.image_config import ImageConfig

    opts = dict(image_opts or {})
    if opts.get("cache_level") is None:
        opts["cache_level"] = cache_level
    if log is None:
        import sys

        def log(msg: str) -> None:
            print(f"images: {msg}", file=sys.stderr, flush=True)

    return ImageAcquirer(ImageConfig(**opts), log=log)
