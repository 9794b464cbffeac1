"""Click options for getting instance images (pull, mirror, build) and removing them after use,
shared by every command that runs a sandbox. Only names here: every option defaults to None ("not
given"), so each default lives once, on `sandbox.images.image_config.ImageConfig` (shown in --help from
there); the composition root turns what was given into the config: the `sandbox.images` section of
the run's RunConfig (`codefix.cli.run_options.build_run_config`), so `--config` can set it too, for
every command that touches an engine."""

from __future__ import annotations

import functools

import click

from codefix.cli.bounded import float_range, int_range
from codefix.core.setting_bounds import FREE_GB, IMAGE_PULLS, PULL_RETRIES

CACHE_LEVEL_HELP = ("What to remove of the images codefix fetches in this run, like the SWE-bench harness: "
                    "none (instance images after their instance, built env/base images at the end), base (keep "
                    "built base images), env (keep built env and base images), instance (keep everything). "
                    "Images present before the run are never removed.")


IMAGE_OPTIONS = ("pull", "registry", "namespace", "build_missing", "cache_level", "max_pulls", "retries", "min_free_gb")
"""The options' parameter names, each the `ImageConfig` field (and RunConfig key `sandbox.images.<name>`) it sets."""


def _default(name: str) -> str:
    from sandbox.images.image_config import ImageConfig

    return f" [default: {ImageConfig.model_fields[name].default}]"


def image_options(*, cache_level_default: str | None = "instance", cache_level_note: str = ""):
    """Adds --pull/--no-pull, --registry, --namespace, --build-missing, --cache-level, --max-pulls,
    --pull-retries and --min-free-gb; the command receives the ones given as one dict,
    `image_opts`, with the keys of `ImageConfig`. `cache_level_default` is the command's own default
    (the caller applies it through the run config's command defaults)."""
    cache_default = (f" [default: {cache_level_default}]" if cache_level_default else "")
    options = [
        click.option("--pull/--no-pull", "pull", default=None,
                     help="Pull a SWE-bench instance image that is missing locally." + _default("pull")),
        click.option("--registry", default=None, metavar="HOST[:PORT]",
                     help="Pull instance images from this registry (a mirror) instead of Docker Hub; they keep "
                          "their local name <namespace>/sweb.eval.<arch>.<id>:latest."),
        click.option("--namespace", default=None,
                     help="Namespace of instance images, as the harness's --namespace." + _default("namespace")),
        click.option("--build-missing", is_flag=True, default=None,
                     help="Build an image that cannot be pulled with the swebench harness (base → env → instance; "
                          "arm64 hosts need this)."),
        click.option("--cache-level", type=click.Choice(["none", "base", "env", "instance"]),
                     default=None, help=CACHE_LEVEL_HELP + cache_level_note + cache_default),
        click.option("--max-pulls", type=int_range(IMAGE_PULLS), default=None,
                     help="Image pulls (or builds) at once." + _default("max_pulls")),
        click.option("--pull-retries", "retries", type=int_range(PULL_RETRIES), default=None,
                     help="Retries of a failed pull, with exponential backoff." + _default("retries")),
        click.option("--min-free-gb", type=float_range(FREE_GB), default=None,
                     help="Free GiB Docker's data root must have before a pull or build starts." + _default("min_free_gb")),
    ]
    names = IMAGE_OPTIONS

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            opts = {name: value for name in names if (value := kwargs.pop(name)) is not None}
            return fn(*args, image_opts=opts, **kwargs)

        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate
