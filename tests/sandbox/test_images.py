"""Instance images: naming, local builds with deterministic base commits, workdir export."""

from __future__ import annotations

import pytest

from codefix.core.errors import SandboxError
from codefix.core.instance import Instance
from sandbox.images.images import build_local_image, image_for, sandbox_config_for
from sandbox.images.source_repo import prepare_source_repo
from tests.sandbox.tiny_instance import tiny_instance


def swebench(instance_id: str) -> Instance:
    return Instance(instance_id=instance_id, repo="o/r", base_commit="abc", problem_statement="p")


def test_swebench_and_explicit_images_are_named_not_built():
    inst = swebench("django__django-11099")
    assert image_for(inst) == "swebench/sweb.eval.x86_64.django_1776_django-11099:latest"
    config = sandbox_config_for(inst)
    assert "conda activate testbed" in config.env_setup and config.workdir == "/testbed"
    # only where the image has conda: a Go or JavaScript repository's SWE-bench image has none
    assert config.env_setup.startswith("if [ -f /opt/miniconda3/bin/activate ]; then ")
    mine = inst.model_copy(update={"image": "me/img:1"})
    assert image_for(mine) == "me/img:1" and sandbox_config_for(mine).env_setup == ""


def test_source_repo_commit_is_deterministic_and_reused(tmp_path):
    inst = tiny_instance(tmp_path)
    repo_a, sha_a = prepare_source_repo(inst, tmp_path / "a")
    repo_b, sha_b = prepare_source_repo(inst, tmp_path / "b")
    assert sha_a == sha_b and (repo_a / "pkg" / "mod.py").read_text() == "def f():\n    return 1\n"
    assert prepare_source_repo(inst, tmp_path / "a") == (repo_a, sha_a)
    (inst.source / "pkg" / "mod.py").write_text("def f():\n    return 2\n")
    assert prepare_source_repo(inst, tmp_path / "a")[1] != sha_a


@pytest.mark.docker
def test_local_image_is_built_once_and_exported(tmp_path, docker_client):
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.images.images import export_workdir

    inst = tiny_instance(tmp_path)
    tag, sha = build_local_image(inst, cache_dir=tmp_path / "cache", client=docker_client)
    assert tag.startswith("codefix-local/codefix-tests__tiny-1:")
    assert build_local_image(inst, cache_dir=tmp_path / "cache2", client=docker_client) == (tag, sha)
    with DockerSandbox(sandbox_config_for(inst.model_copy(update={"image": tag})), client=docker_client) as sb:
        assert sb.base_commit == sha
    out = export_workdir(tag, tmp_path / "export", client=docker_client)
    assert (out / "pkg" / "mod.py").read_text() == "def f():\n    return 1\n"
    assert (out / "build" / "artefact.txt").exists() and (out / ".git").is_dir()
    (out / "pkg" / "mod.py").write_text("touched")
    assert export_workdir(tag, out, client=docker_client) == out  # cached by image id
    assert (out / "pkg" / "mod.py").read_text() == "touched"


@pytest.mark.docker
def test_missing_images_say_how_to_get_them(tmp_path, docker_client):
    from sandbox.images.images import export_workdir

    with pytest.raises(SandboxError, match="docker pull swebench/"):
        export_workdir(image_for(swebench("astropy__astropy-12907")), tmp_path / "x", client=docker_client)
    inst = tiny_instance(tmp_path)
    with pytest.raises(SandboxError, match="no-such-base"):
        build_local_image(inst, "codefix-local/no-such-base:1", cache_dir=tmp_path / "c", client=docker_client)
