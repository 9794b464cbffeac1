"""One RunConfig per run: every option of solve, batch, generate and ensemble lands on its config
key, `--config` sits under the options given, config.yaml round-trips, and a rerun with settings
that would change finished results is refused unless forced."""

from __future__ import annotations

import importlib

import pytest
import yaml

from codefix.cli.run_options import SETS
from codefix.core.errors import InputError
from codefix.stages.config_yaml import commented_yaml
from codefix.stages.run_config import CONFIG_FILE, RunConfig, record_run_config

BASE_ARGS = {
    "solve": ["-d", "ds.jsonl", "-i", "x"],
    "batch": ["-d", "ds.jsonl"],
    "generate": ["-d", "ds.jsonl", "-i", "x"],
    "ensemble": ["-d", "ds.jsonl"],
}
# option parameter → (command-line words, the value its config keys must hold)
GIVEN = {
    "model": (["-m", "gold:wrong=0.3"], "gold:wrong=0.3"),
    "relevance_model": (["--relevance-model", "gold"], "gold"),
    "api_base": (["--api-base", "http://127.0.0.1:9/v1"], "http://127.0.0.1:9/v1"),
    "relevance_api_base": (["--relevance-api-base", "http://127.0.0.1:8/v1"], "http://127.0.0.1:8/v1"),
    "price": (["--price", "1,2"], "1,2"),
    "budget": (["--budget", "2.5"], 2.5),
    "budget_tokens": (["--budget-tokens", "4000"], 4000),
    "concurrency": (["--concurrency", "5"], 5),
    "samples": (["-n", "7"], 7),
    "max_calls": (["-k", "3"], 3),
    "temperature": (["--temperature", "0.2"], 0.2),
    "workers": (["-w", "3"], 3),
    "pair_workers": (["--pair-workers", "3"], 3),
    "script_timeout": (["--script-timeout", "42"], 42.0),
    "share_attempts": (["--share-attempts"], True),
    "stop_when_agree": (["--stop-when-agree", "2"], 2),
    "selection_max_calls": (["--selection-max-calls", "5"], 5),
    "selection_strategy": (["--selection-strategy", "voting_only"], "voting_only"),
    "top_k": (["--top-k", "2"], 2),
    "repo_tests": (["--repo-tests"], True),
    "only_failing_before": (["--all-tests-count"], False),
    "show_votes": (["--show-votes"], True),
    "vote_workers": (["--vote-workers", "5"], 5),
    "docker_host": (["--docker-host", "tcp://10.0.0.5:2376"], "tcp://10.0.0.5:2376"),
}


def command_module(name):
    return importlib.import_module(f"codefix.cli.commands.{name}")


def config_of(name: str, argv: list[str]) -> RunConfig:
    """What the command builds from `argv`: click parses, the command's own `run_config` builds."""
    module = command_module(name)
    ctx = module.command.make_context(name, [*BASE_ARGS[name], *argv])
    return module.run_config(ctx.params)


def value_at(config: RunConfig, dotted: str):
    value = config
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def config_options(name: str) -> list[str]:
    return [p.name for p in command_module(name).command.params if p.name in SETS]


@pytest.mark.parametrize("name", list(BASE_ARGS))
def test_every_config_option_of_the_command_lands_on_its_keys(name, tmp_path):
    options = config_options(name)
    assert {"model", "budget"} <= set(options)
    for option in (o for o in options if o != "price_file"):
        words, expected = GIVEN[option]
        if (name, option) == ("ensemble", "selection_max_calls"):
            words = ["-k", "5"]  # the ensemble's --max-calls is the selection machine's
        config = config_of(name, words)
        for dotted in SETS[option]:
            assert value_at(config, dotted) == expected, (name, option, dotted)
        assert config != config_of(name, []), (name, option)
    price_file = tmp_path / "prices.yaml"
    price_file.write_text("{}\n")
    if "price_file" in options:
        assert config_of(name, ["--price-file", str(price_file)]).model.price_file == str(price_file.resolve())


def test_the_commands_that_select_reach_every_selection_setting():
    wanted = {"selection_strategy", "top_k", "repo_tests", "only_failing_before", "show_votes", "vote_workers",
              "selection_max_calls", "script_timeout"}
    for name in ("solve", "batch", "ensemble"):
        assert wanted <= set(config_options(name)), name


def test_workers_reach_the_voting_pool_and_vote_workers_win():
    assert (config_of("solve", ["-w", "3"]).selection.workers, config_of("solve", ["-w", "3"]).generation.workers) == (3, 3)
    both = config_of("solve", ["-w", "3", "--vote-workers", "2"])
    assert (both.generation.workers, both.selection.workers) == (3, 2)
    batch = config_of("batch", ["-w", "4", "--pair-workers", "3"])
    assert (batch.generation.workers, batch.selection.workers, batch.parallel_sandboxes) == (3, 3, 12)
    assert config_of("batch", []).generation.workers == 2  # the batch's own default: instances run in parallel
    assert config_of("ensemble", []).selection.strategy == "adjudication_only"  # the paper's ensemble
    assert config_of("ensemble", ["-k", "4"]).selection.max_calls == 4


def test_defaults_come_from_the_stage_configs_once():
    config = config_of("solve", [])
    assert config == RunConfig()
    from agent.generation import GenerationConfig
    from selection.stage import SelectionConfig

    assert config.generation == GenerationConfig() and config.selection == SelectionConfig()
    assert config.selection.script_timeout == config.generation.scripts.timeout


def test_options_given_override_the_config_file_and_the_file_overrides_defaults(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("model: {name: gold}\ngeneration: {samples: 4, max_calls: 2}\nselection: {top_k: 2}\n")
    config = config_of("solve", ["--config", str(path), "-n", "6"])
    assert (config.model.name, config.generation.samples, config.generation.max_calls, config.selection.top_k) == (
        "gold", 6, 2, 2)
    path.write_text("generation: {sampels: 4}\n")
    with pytest.raises(InputError, match=r"generation.sampels: Extra inputs are not permitted"):
        config_of("solve", ["--config", str(path)])
    path.write_text("sandbox: {kind: modal}\n")
    with pytest.raises(InputError, match="sandbox"):
        config_of("solve", ["--config", str(path)])


def test_config_yaml_round_trips_with_every_knob_documented():
    config = config_of("solve", ["-m", "gold", "-n", "3", "--top-k", "2", "--repo-tests", "--docker-host",
                                 "ssh://me@host", "--script-timeout", "30"])
    text = commented_yaml(config)
    assert RunConfig.model_validate(yaml.safe_load(text)) == config
    assert "# Candidates the voting keeps for the selection state machine." in text
    assert "  top_k: 2\n" in text and "  docker_host: \"ssh://me@host\"\n" in text
    every_key = yaml.safe_load(commented_yaml(RunConfig()))
    assert set(every_key) == set(RunConfig.model_fields)
    assert set(every_key["selection"]) == set(type(config.selection).model_fields)


def test_a_rerun_with_settings_that_change_results_is_refused_unless_forced(tmp_path):
    first = RunConfig.model_validate({"model": {"name": "gold"}, "generation": {"samples": 3}})
    record_run_config(tmp_path, first)
    assert RunConfig.model_validate(yaml.safe_load((tmp_path / CONFIG_FILE).read_text())) == first
    runtime = first.model_copy(update={"budget": 9.0, "generation": first.generation.model_copy(update={"workers": 1}),
                                       "selection": first.selection.model_copy(update={"workers": 1})})
    record_run_config(tmp_path, runtime)  # how it runs, not what it produces: allowed, and recorded
    assert yaml.safe_load((tmp_path / CONFIG_FILE).read_text())["budget"] == 9.0
    other = runtime.model_copy(update={"selection": runtime.selection.model_copy(update={"top_k": 2}),
                                       "generation": runtime.generation.model_copy(update={"samples": 4})})
    with pytest.raises(InputError) as refused:
        record_run_config(tmp_path, other)
    assert "generation.samples: 3 → 4" in str(refused.value) and "selection.top_k: 3 → 2" in str(refused.value)
    assert "--force" in str(refused.value) and "workers" not in str(refused.value)
    record_run_config(tmp_path, other, force=True)
    assert RunConfig.model_validate(yaml.safe_load((tmp_path / CONFIG_FILE).read_text())) == other


def test_config_show_prints_the_effective_configuration(tmp_path, capsys):
    from codefix.cli import main

    assert main(["config", "show"]) == 0
    assert RunConfig.model_validate(yaml.safe_load(capsys.readouterr().out)) == RunConfig()
    path = tmp_path / "run.yaml"
    path.write_text("selection: {top_k: 5}\n")
    assert main(["config", "show", "--config", str(path)]) == 0
    shown = RunConfig.model_validate(yaml.safe_load(capsys.readouterr().out))
    assert shown.selection.top_k == 5 and shown.generation == RunConfig().generation


@pytest.mark.parametrize("where", ["../outside.py", "/etc/profile.d/x.py", "src/pkg/module.py", "setup.py",
                                   "codefix_reproduce.sh"])
def test_a_script_path_outside_the_repository_or_onto_its_files_is_one_clear_line(tmp_path, capsys, where):
    from codefix.cli import main

    path = tmp_path / "run.yaml"
    path.write_text(f"generation: {{scripts: {{script_path: {where!r}}}}}\n")
    assert main(["config", "show", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "script_path" in err and "repository root starting with 'codefix'" in err


IMAGE_WORDS = (["--no-pull", "--registry", "127.0.0.1:5000", "--namespace", "mirror", "--build-missing",
                "--cache-level", "none", "--max-pulls", "4", "--pull-retries", "1", "--min-free-gb", "2.5"])
IMAGE_VALUES = {"pull": False, "registry": "127.0.0.1:5000", "namespace": "mirror", "build_missing": True,
                "cache_level": "none", "max_pulls": 4, "retries": 1, "min_free_gb": 2.5}


@pytest.mark.parametrize("name", list(BASE_ARGS))
def test_image_options_are_part_of_the_run_config(name, tmp_path):
    from sandbox.images.image_config import ImageConfig

    config = config_of(name, IMAGE_WORDS)
    assert config.sandbox.images.model_dump(include=set(IMAGE_VALUES)) == IMAGE_VALUES
    untouched = config_of(name, [])  # nothing given: ImageConfig's defaults, but the command's cache level
    expected_level = "env" if name in ("batch", "ensemble") else ImageConfig().cache_level
    assert untouched.sandbox.images == ImageConfig(cache_level=expected_level)
    path = tmp_path / "run.yaml"
    path.write_text("sandbox: {images: {registry: mirror.example:5000, max_pulls: 3}}\n")
    from_file = config_of(name, ["--config", str(path), "--max-pulls", "6"])
    assert (from_file.sandbox.images.registry, from_file.sandbox.images.max_pulls) == ("mirror.example:5000", 6)
    assert "sandbox" in RunConfig.RUNTIME_ONLY  # fetching an image another way changes no result


@pytest.mark.parametrize("name", list(BASE_ARGS))
def test_a_config_with_the_old_top_level_images_key_still_loads_under_the_docker_backend(name, tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("images: {registry: mirror.example:5000, max_pulls: 3, cache_level: none}\n"
                    "sandbox: {docker_host: tcp://10.0.0.5:2376}\n")
    config = config_of(name, ["--config", str(path), "--max-pulls", "6"])
    images = config.sandbox.images
    assert (images.registry, images.max_pulls, images.cache_level) == ("mirror.example:5000", 6, "none")
    assert config.sandbox.docker_host == "tcp://10.0.0.5:2376"
    recorded = RunConfig.model_validate({"images": {"namespace": "mirror"}})  # a run's old config.yaml
    assert recorded.sandbox.images.namespace == "mirror" and "images" not in recorded.model_dump()


def test_the_backend_acquires_with_the_run_configs_images_and_other_commands_get_the_defaults_once():
    from codefix.cli.run_options import backend_of
    from codefix.stages.backend import open_backend
    from sandbox.images.image_config import ImageConfig

    config = config_of("solve", ["--registry", "127.0.0.1:5000", "--max-pulls", "3"])
    with open_backend(config.sandbox, log=lambda _m: None) as backend:
        assert backend.images.config == config.sandbox.images
    with backend_of(None, None, {"registry": "r:1"}, cache_level="env") as backend:
        assert backend.images.config == ImageConfig(registry="r:1", cache_level="env")


def test_config_show_lists_the_image_settings_under_the_docker_backend(capsys):
    from codefix.cli import main

    assert main(["config", "show"]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    images = shown["sandbox"]["images"]
    assert images["max_pulls"] == 2 and images["namespace"] == "swebench" and "images" not in shown


@pytest.mark.parametrize("text, needle", [
    (b"selection:\n  top_k: 3\n  top_k: 5\n", "key 'top_k' is given twice (line 3)"),
    (b"selection: {top_k: 3}\nselection: {top_k: 5}\n", "key 'selection' is given twice (line 2)"),
    (b"selection:\n  top_k: 3 # caf\xe9\n", "not UTF-8 text"),
])
def test_a_config_with_a_duplicate_key_or_not_utf8_is_one_clear_line(tmp_path, capsys, text, needle):
    from codefix.cli import main

    path = tmp_path / "run.yaml"
    path.write_bytes(text)
    assert main(["config", "show", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and str(path) in err
