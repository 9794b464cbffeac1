"""Click options that set a run's configuration (`codefix.stages.run_config.RunConfig`), and
building the config from them: the stage configs' defaults, under the command's own defaults,
under `--config FILE.yaml`, under the options given on the command line.

Every option here defaults to None ("not given"), so the default of each setting lives once, on
its stage config, and `--help` shows it from there. An option sets one or more dotted keys of the
config (`SETS`); adding a setting to a command means a field on the stage config and a line here.
"""

from __future__ import annotations

from pathlib import Path

import click

from codefix.cli.bounded import float_range, int_range
from codefix.core.setting_bounds import MACHINE_CALLS, SAMPLES, SCRIPT_TIMEOUT, TEMPERATURE, TOP_K, WORKERS

SETS: dict[str, tuple[str, ...]] = {
    "model": ("model.name",),
    "relevance_model": ("model.relevance",),
    "api_base": ("model.api_base",),
    "relevance_api_base": ("model.relevance_api_base",),
    "price": ("model.price",),
    "price_file": ("model.price_file",),
    "budget": ("budget",),
    "budget_tokens": ("context.budget_tokens",),
    "concurrency": ("context.concurrency",),
    "samples": ("generation.samples",),
    "max_calls": ("generation.max_calls",),
    "temperature": ("generation.temperature",),
    "workers": ("generation.workers", "selection.workers"),
    "pair_workers": ("generation.workers", "selection.workers"),
    "script_timeout": ("generation.scripts.timeout", "selection.script_timeout"),
    "share_attempts": ("generation.share_attempts",),
    "stop_when_agree": ("generation.stop_when_agree",),
    "selection_max_calls": ("selection.max_calls",),
    "selection_strategy": ("selection.strategy",),
    "top_k": ("selection.top_k",),
    "repo_tests": ("selection.repo_tests",),
    "only_failing_before": ("selection.only_tests_failing_before",),
    "show_votes": ("selection.show_votes",),
    "vote_workers": ("selection.workers",),
}
"""Option (its parameter name) → the config keys it sets, applied in this order (so
`--vote-workers` wins over the share of `--workers`)."""


def default_of(dotted: str):
    """The default of a config key, read from the stage config that defines it."""
    from codefix.stages.run_config import RunConfig

    value = RunConfig()
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def field_help(text: str, dotted: str, default=None) -> str:
    shown = default_of(dotted) if default is None else default
    return f"{text} [default: {'none' if shown is None else shown}; config key {dotted}]"


def build_run_config(given: dict, *, config_file: Path | None = None, command_defaults: dict | None = None):
    """The run's RunConfig: stage defaults ← `command_defaults` (dotted key → value) ← the
    `config_file` ← the options in `given` (parameter name → value, None when not given; the image
    options of `codefix.cli.image_options` go to `sandbox.images`)."""
    from codefix.cli.image_options import IMAGE_OPTIONS

    from codefix.stages.run_config import images_moved, read_config, set_path, validated

    data: dict = {}
    for dotted, value in (command_defaults or {}).items():
        set_path(data, dotted, value)
    if config_file is not None:
        data = _merged(data, images_moved(read_config(config_file)))
    for name, paths in SETS.items():
        value = given.get(name)
        if value is None:
            continue
        for dotted in paths:
            set_path(data, dotted, str(Path(value).resolve()) if name == "price_file" else value)
    _set_engines(data, given.get("docker_host"))
    for name in IMAGE_OPTIONS:
        if given.get(name) is not None:
            set_path(data, f"sandbox.images.{name}", given[name])
    return validated(data, str(config_file) if config_file else "options")


def _set_engines(data: dict, hosts) -> None:
    """`--docker-host` once sets `sandbox.docker_host`; more than once makes the sandbox backend a
    pool of those engines (`kind: docker_pool`, capacity 1 each), keeping the image settings."""
    from codefix.stages.run_config import set_path

    hosts = [hosts] if isinstance(hosts, str) else list(hosts or ())
    if len(hosts) == 1:
        set_path(data, "sandbox.docker_host", hosts[0])
    elif hosts:
        images = (data.get("sandbox") or {}).get("images")
        data["sandbox"] = {"kind": "docker_pool", "engines": [{"docker_host": h} for h in hosts],
                           **({"images": images} if images is not None else {})}


def _merged(base: dict, top: dict) -> dict:
    out = dict(base)
    for key, value in top.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


config_option = click.option(
    "--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
    help="A run configuration in YAML (see `codefix config show`; a run's own is runs/<run>/config.yaml); "
         "options given on the command line override it.")
force_option = click.option(
    "--force", is_flag=True,
    help="Go on with a run id whose config.yaml differs in settings that change finished results.")


def options(*decls):
    """Apply click options in the order written."""

    def decorate(fn):
        for option in reversed(decls):
            fn = option(fn)
        return fn

    return decorate


def generation_options(*, workers_help: str = "Pairs at once = sandboxes in the pool (and voting sandboxes).",
                       workers: bool = True):
    """--samples, --max-calls, --temperature, [--workers], --script-timeout, --share-attempts."""
    decls = [
        click.option("--samples", "-n", type=int_range(SAMPLES), default=None,
                     help=field_help("Testing → editing pairs.", "generation.samples")),
        click.option("--max-calls", "-k", type=int_range(MACHINE_CALLS), default=None,
                     help=field_help("Model calls per generation machine.", "generation.max_calls")),
        click.option("--temperature", type=float_range(TEMPERATURE), default=None,
                     help=field_help("Sampling temperature of generation.", "generation.temperature")),
    ]
    if workers:
        decls.append(click.option("--workers", "-w", type=int_range(WORKERS), default=None,
                                  help=field_help(workers_help, "generation.workers")))
    decls += [
        click.option("--script-timeout", type=float_range(SCRIPT_TIMEOUT), default=None,
                     help=field_help("Seconds a reproduction or selection test script may run.", "generation.scripts.timeout")),
        click.option("--share-attempts/--no-share-attempts", default=None,
                     help=field_help("Tell later pairs the patches earlier pairs produced.", "generation.share_attempts")),
    ]
    return options(*decls)


def selection_options(*, max_calls_flags: tuple[str, ...] = ("--selection-max-calls",), script_timeout: bool = False,
                      strategy_default: str | None = None):
    """--selection-strategy, --top-k, --repo-tests, --only-failing-before, --show-votes, --vote-workers,
    the selection machine's call limit (and --script-timeout where the command asks);
    `strategy_default` is the command's own default strategy, for its help."""
    from selection.strategies import STRATEGIES

    decls = [
        click.option("--selection-strategy", type=click.Choice(list(STRATEGIES)), default=None,
                     help=field_help("How the winner is chosen: voting then the selection machine (the paper's), "
                                     "the top-voted candidate alone, or every candidate to the machine.",
                                     "selection.strategy", default=strategy_default)),
        click.option(*max_calls_flags, "selection_max_calls", type=int_range(MACHINE_CALLS), default=None,
                     help=field_help("Model calls of the selection machine.", "selection.max_calls")),
        click.option("--top-k", type=int_range(TOP_K), default=None,
                     help=field_help("Candidates voting keeps for the selection machine.", "selection.top_k")),
        click.option("--repo-tests/--no-repo-tests", default=None,
                     help=field_help("Also run the repository's tests of touched modules; a candidate loses a point "
                                "per test file it breaks.", "selection.repo_tests")),
        click.option("--only-failing-before/--all-tests-count", "only_failing_before", default=None,
                     help=field_help("Count only generated tests that fail on the unedited repository.",
                                "selection.only_tests_failing_before")),
        click.option("--show-votes/--hide-votes", default=None,
                     help=field_help("Show the selection model each finalist's votes.", "selection.show_votes")),
        click.option("--vote-workers", type=int_range(WORKERS), default=None,
                     help=field_help("Sandboxes running voting cells at once (default: --workers when given).",
                                "selection.workers")),
    ]
    if script_timeout:
        decls.append(click.option("--script-timeout", type=float_range(SCRIPT_TIMEOUT), default=None,
                                  help=field_help("Seconds a selection test script may run.", "selection.script_timeout")))
    return options(*decls)


docker_host_option = click.option(
    "--docker-host", "docker_host", multiple=True, metavar="URL",
    help="The Docker engine the run uses: images, checkout, sandboxes, clean-up (unix://..., tcp://HOST:2376, "
         "ssh://USER@HOST) [default: the local one; config key sandbox.docker_host]. Given more than once: a pool "
         "of engines, each instance on the one with the most free capacity (config: sandbox kind docker_pool).")
engine_options = options(config_option, docker_host_option)
"""--config and --docker-host, for the commands that use an engine without running stages
(evaluate, report --grade-candidates, images, clean): they take the backend from the same run
configuration as solve and batch (its `sandbox` section; the other sections are not used)."""


def backend_of(config_file: Path | None, docker_host: str | None, image_opts: dict | None = None, *,
               cache_level: str | None = None):
    """The live sandbox backend of such a command: `sandbox` of the run config built from
    `config_file` under `docker_host` and the image options given, `cache_level` the command's own
    default (`codefix.stages.backend.open_backend`)."""
    from codefix.stages.backend import open_backend

    defaults = {"sandbox.images.cache_level": cache_level} if cache_level else {}
    config = build_run_config({"docker_host": docker_host, **(image_opts or {})}, config_file=config_file,
                              command_defaults=defaults)
    return open_backend(config.sandbox)
