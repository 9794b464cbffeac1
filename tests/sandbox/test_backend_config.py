"""The sandbox seam: backends are configs told apart by `kind`, and `sandbox_factory` is the one
way to get sandboxes; `docker_host` reaches the engine the sandboxes run on."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from codefix.core.datasets import load_dataset
from codefix.core.errors import SandboxError
from sandbox.backend_config import DockerBackendConfig, SandboxBackendConfig, sandbox_factory

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures.jsonl"


class Holder(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backend: SandboxBackendConfig = DockerBackendConfig()


def test_a_backend_is_chosen_by_its_kind_and_unknown_kinds_or_fields_are_refused():
    held = Holder.model_validate({"backend": {"kind": "docker", "docker_host": "tcp://10.0.0.5:2376"}})
    assert held.backend == DockerBackendConfig(docker_host="tcp://10.0.0.5:2376")
    assert Holder.model_validate({}).backend.kind == "docker"
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        Holder.model_validate({"backend": {"kind": "modal"}})
    with pytest.raises(ValidationError, match="extra"):
        Holder.model_validate({"backend": {"kind": "docker", "memory_gb": 4}})


@pytest.mark.docker
def test_sandboxes_run_on_the_engine_docker_host_names(docker_client):
    inst = load_dataset(str(FIXTURES)).get("codefix-fixtures__invoicing-1")
    factory, built = sandbox_factory(inst, DockerBackendConfig(docker_host="unix:///var/run/docker.sock"),
                                     timeout=60)
    assert built.image and built.base_commit  # the local source was built into an image
    with factory() as sandbox:
        assert sandbox.run("git rev-parse HEAD").output.strip() == built.base_commit
    unreachable, _ = sandbox_factory(built, DockerBackendConfig(docker_host="tcp://127.0.0.1:9"))
    with pytest.raises(SandboxError):
        with unreachable():
            pass
