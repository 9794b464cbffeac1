"""One run's whole configuration: the models, every stage's settings and where sandboxes run,
built once by a command (from its options, or `--config FILE.yaml` with options overriding),
passed whole to the stage runners and written to `runs/<run>/config.yaml`.

Each setting's default is defined once, on the stage config that owns it
(`agent.context.config.ContextConfig`, `agent.generation.GenerationConfig`,
`selection.stage.SelectionConfig`, `sandbox.backend_config`); this module only nests them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agent.context.config import ContextConfig
from agent.generation import GenerationConfig
from codefix.core import run_layout as layout
from codefix.core.errors import InputError
from codefix.core.setting_bounds import BUDGET_USD, PARALLEL_SANDBOXES
from agent.models.limiter import EndpointLimits
from sandbox.backend_config import DockerBackendConfig, SandboxBackendConfig
from selection.stage import SelectionConfig

CONFIG_FILE = layout.RUN_CONFIG


class ModelConfig(BaseModel):
    """Which models a run calls, on which servers, at which prices."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    """The primary model (ranking, generation, selection): a litellm provider string, or an
    offline test double (gold, gold:wrong=F, noisy, replay:PATH). Required to run."""
    relevance: str | None = None
    """The cheaper model reading every file in the context stage (None: the primary model)."""
    api_base: str | None = None
    """URL of the primary model's server (an OpenAI-compatible one or a provider's proxy)."""
    relevance_api_base: str | None = None
    """URL of the relevance model's server."""
    price: str | None = None
    """USD per million tokens of the primary model, "IN,OUT[,CACHE_READ,CACHE_WRITE]", for models
    litellm has no price for."""
    price_file: str | None = None
    """JSON/YAML {model: {input, output, cache_read?, cache_write?}} in USD per million tokens."""
    limits: EndpointLimits = Field(default_factory=EndpointLimits)
    """The primary model's endpoint: its known rate limits, the ceiling of calls in flight and how
    long one call may wait on them (one limiter per endpoint, shared by every call of the process)."""
    relevance_limits: EndpointLimits | None = None
    """The relevance model's endpoint when it differs from the primary's (None: the same settings)."""


class RunConfig(BaseModel):
    """Everything a run of solve, batch, generate or ensemble is configured by."""

    model_config = ConfigDict(extra="forbid")

    model: ModelConfig = Field(default_factory=ModelConfig)
    """The models called."""
    context: ContextConfig = Field(default_factory=ContextConfig)
    """The context stage: which files are read, how they are ranked and packed."""
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    """The generation stage: testing → editing pairs."""
    selection: SelectionConfig = Field(default_factory=SelectionConfig)
    """The selection stage: voting, the top k, the selection state machine."""
    sandbox: SandboxBackendConfig = Field(default_factory=DockerBackendConfig)
    """Where sandboxes run (`kind` picks the backend) and, for Docker, how instance images are
    fetched onto its engine (`sandbox.images`)."""
    budget: float | None = BUDGET_USD.field(None)
    """USD the command may spend on model calls: per instance for solve and generate, for the whole
    run in batch, for all selection calls in ensemble (None: no limit)."""
    parallel_sandboxes: int | None = PARALLEL_SANDBOXES.field(None)
    """Sandboxes the whole process runs at once (batch: instances x pairs); sets each sandbox's
    CPU share. None: `generation.workers`."""

    @model_validator(mode="before")
    @classmethod
    def _images_under_sandbox(cls, data):
        """Configs written before the image settings moved into the Docker backend's have them at
        the top (`images:`); they still load."""
        return images_moved(data) if isinstance(data, dict) else data

    @field_validator("sandbox", mode="before")
    @classmethod
    def _docker_unless_named(cls, value):
        """A sandbox mapping without `kind` is Docker's (the one backend a setting like
        `docker_host` alone can mean today)."""
        return {"kind": "docker", **value} if isinstance(value, dict) and "kind" not in value else value

    RUNTIME_ONLY: ClassVar[tuple[str, ...]] = (
        "budget", "parallel_sandboxes", "sandbox", "model.price", "model.price_file", "model.limits",
        "model.relevance_limits",
        "context.concurrency", "context.checkpoint_every", "generation.workers", "generation.sandbox_retries",
        "selection.workers",
    )
    """Keys (and key prefixes) that change how a run goes, not what it produces: they may differ
    when a run is resumed. A larger budget resumes what a smaller one cut short."""

    def result_differences(self, other: RunConfig) -> list[str]:
        """Dotted keys whose values differ between the two configs, runtime-only keys left out."""
        return [key for key in differing_keys(flatten(self.model_dump(mode="json")), flatten(other.model_dump(mode="json")))
                if not any(key == k or key.startswith(k + ".") for k in self.RUNTIME_ONLY)]


def images_moved(data: dict) -> dict:
    """`data` with a top-level `images:` mapping (the key of configs written before it moved)
    moved into `sandbox.images`, its keys over those already there."""
    if "images" not in data:
        return data
    out = dict(data)
    old = out.pop("images")
    sandbox = dict(out.get("sandbox") or {})
    under = sandbox.get("images")
    sandbox["images"] = {**under, **old} if isinstance(under, dict) and isinstance(old, dict) else old
    out["sandbox"] = sandbox
    return out


def flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def differing_keys(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def set_path(data: dict, dotted: str, value: Any) -> None:
    """Set `a.b.c` in nested dicts, creating the levels that are missing."""
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def validated(data: dict, source: str) -> RunConfig:
    """`data` as a RunConfig; a bad key or value is an InputError naming it and `source`."""
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InputError(f"{source}: {problems}") from None


def read_config(path: Path) -> dict:
    """The mapping in a config YAML file (empty file: {})."""
    import yaml

    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_unique_keys_loader())
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read config {path}: not UTF-8 text (byte {exc.start})") from None
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read config {path}: {' '.join(str(exc).split())}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"config {path} must be a mapping of keys, not {type(data).__name__}")
    return data


def _unique_keys_loader():
    """yaml's SafeLoader refusing a key given twice in one mapping (plain YAML keeps the last,
    silently: a setting the user wrote would not be the one used)."""
    import yaml

    class UniqueKeys(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} is given twice (line {key_node.start_mark.line + 1})", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep)

    return UniqueKeys


def record_run_config(run_root: Path, config: RunConfig, *, force: bool = False) -> None:
    """Write `config` to `<run>/config.yaml`. A run that already has one made with settings that
    would change its finished results is refused, naming the keys, unless `force`."""
    from codefix.stages.config_yaml import commented_yaml
    from codefix.core.store import atomic_write_text

    path = Path(run_root) / CONFIG_FILE
    if path.is_file() and not force:
        try:
            earlier = RunConfig.model_validate(read_config(path))
        except (InputError, ValidationError) as exc:
            raise InputError(f"{path} cannot be read ({str(exc)[:200]}); rerun with --force to replace it") from None
        keys = config.result_differences(earlier)
        if keys:
            old, new = flatten(earlier.model_dump(mode="json")), flatten(config.model_dump(mode="json"))
            shown = "; ".join(f"{k}: {old.get(k)!r} → {new.get(k)!r}" for k in keys)
            raise InputError(f"run {Path(run_root).name} was made with another configuration ({shown}); its finished "
                             "results would not be this one's: use another --run-id, or --force to go on with this one")
    atomic_write_text(path, commented_yaml(config))
