"""Click options for getting instance images (pull, mirror, build) and removing them after use,
shared by every command that runs a sandbox. Only names here: the composition root turns the
values into `sandbox.image_config.ImageConfig` (the kernel never imports sandbox)."""

from __future__ import annotations

import functools

import click

CACHE_LEVEL_HELP = ("What to remove of the images codefix fetches in this run, like the SWE-bench harness: "
                    "none (instance images after their instance, built env/base images at the end), base (keep "
                    "built base images), env (keep built env and base images), instance (keep everything). "
                    "Images present before the run are never removed.")


def image_options(*, cache_level_default: str | None = "instance", cache_level_note: str = ""):
    """Adds --pull/--no-pull, --registry, --namespace, --build-missing, --cache-level, --max-pulls,
    --pull-retries and --min-free-gb; the command receives them as one dict, `image_opts`, with
    the keys of `ImageConfig` (cache_level None when the command decides per run)."""
    options = [
        click.option("--pull/--no-pull", "pull", default=True, show_default=True,
                     help="Pull a SWE-bench instance image that is missing locally."),
        click.option("--registry", default=None, metavar="HOST[:PORT]",
                     help="Pull instance images from this registry (a mirror) instead of Docker Hub; they keep "
                          "their local name <namespace>/sweb.eval.<arch>.<id>:latest."),
        click.option("--namespace", default="swebench", show_default=True,
                     help="Namespace of instance images, as the harness's --namespace."),
        click.option("--build-missing", is_flag=True,
                     help="Build an image that cannot be pulled with the swebench harness (base → env → instance; "
                          "arm64 hosts need this)."),
        click.option("--cache-level", type=click.Choice(["none", "base", "env", "instance"]),
                     default=cache_level_default, show_default=cache_level_default is not None,
                     help=CACHE_LEVEL_HELP + cache_level_note),
        click.option("--max-pulls", type=click.IntRange(1, 64), default=2, show_default=True,
                     help="Image pulls (or builds) at once."),
        click.option("--pull-retries", "retries", type=click.IntRange(0, 20), default=3, show_default=True,
                     help="Retries of a failed pull, with exponential backoff from 2 s."),
        click.option("--min-free-gb", type=click.FloatRange(0), default=10.0, show_default=True,
                     help="Free GiB Docker's data root must have before a pull or build starts."),
    ]
    names = ("pull", "registry", "namespace", "build_missing", "cache_level", "max_pulls", "retries", "min_free_gb")

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            opts = {name: kwargs.pop(name) for name in names}
            return fn(*args, image_opts=opts, **kwargs)

        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate
