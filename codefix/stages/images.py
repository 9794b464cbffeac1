"""The image acquirer a command uses, made from its image options (composition root)."""

from __future__ import annotations

from collections.abc import Callable


def make_acquirer(image_opts, *, cache_level: str = "instance", log: Callable[[str], None] | None = None):
    """An `ImageAcquirer` for `image_opts`: the image options given (from `codefix.cli.image_options`,
    the rest taken from `ImageConfig`'s defaults, `cache_level` the command's own), or a run's whole
    `ImageConfig`."""
    from sandbox.images.image_acquire import ImageAcquirer
    from sandbox.images.image_config import ImageConfig

    if isinstance(image_opts, ImageConfig):
        opts = image_opts.model_dump()
    else:
        opts = {k: v for k, v in (image_opts or {}).items() if v is not None}
        opts.setdefault("cache_level", cache_level)
    if log is None:
        import sys

        def log(msg: str) -> None:
            print(f"images: {msg}", file=sys.stderr, flush=True)

    return ImageAcquirer(ImageConfig(**opts), log=log)
