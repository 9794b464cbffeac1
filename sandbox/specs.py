"""What to run to grade an instance: its image name and its evaluation script.

For a SWE-bench instance both come from the `swebench` package itself (4.1: the specs in
`swebench.harness.constants`, the script lines from `make_eval_script_list`), built without
the network: unlike `make_test_spec`, nothing here fetches requirement files, because codefix
runs the prebuilt images and never builds an environment. A local instance gets a script in
the same shape from `sandbox.local_specs`.

The script runs as a file with bash inside the container, after the candidate patch has been
applied to /testbed. It applies the test patch, prints swebench's start/end markers around
the test command (as `set -x` traces of `: '<marker>'`) and reverts the test files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codefix.errors import InputError
from codefix.instance import Instance

if TYPE_CHECKING:  # pragma: no cover
    from swebench.harness.test_spec.test_spec import TestSpec

SWEBENCH_NAMESPACE = "swebench"
SWEBENCH_ARCH = "x86_64"
ENV_NAME = "testbed"
REPO_DIR = "/testbed"


def swebench_image_name(instance: Instance, namespace: str = SWEBENCH_NAMESPACE, arch: str = SWEBENCH_ARCH) -> str:
    """The prebuilt evaluation image, as SWE-bench names it (Docker Hub: namespace "swebench")."""
    key = f"sweb.eval.{arch}.{instance.instance_id.lower()}"
    return f"{namespace}/{key.replace('__', '_1776_')}:latest"


def host_arch() -> str:
    """The SWE-bench image architecture of this host: arm64 on ARM machines, else x86_64."""
    import platform

    return "arm64" if platform.machine().lower() in ("aarch64", "arm64") else SWEBENCH_ARCH


def eval_script(instance: Instance) -> str:
    """The bash script that applies the test patch and runs the tests between markers."""
    if instance.is_swebench:
        return offline_test_spec(instance).eval_script
    from sandbox.local_specs import local_eval_script

    return local_eval_script(instance)


def test_directives(instance: Instance) -> list[str]:
    """The test files (Django: test modules) named by the test patch, as swebench derives them."""
    from swebench.harness.test_spec.python import get_test_directives

    return get_test_directives({"repo": instance.repo, "test_patch": instance.test_patch})


test_directives.__test__ = False  # a pytest collecting this module must not take it for a test


def offline_test_spec(instance: Instance) -> TestSpec:
    """swebench's `TestSpec` for a SWE-bench instance, with everything built offline.

    `eval_script_list` is exactly what `make_test_spec` produces. The image-building scripts
    (`env_script_list`, `repo_script_list`) are left empty: 4.1 downloads requirement files
    to write them for some repositories, and codefix only uses prebuilt images. Do not use
    this spec's `env_image_key` or Dockerfiles.
    """
    from swebench.harness.constants import MAP_REPO_TO_EXT
    from swebench.harness.test_spec.create_scripts import make_eval_script_list
    from swebench.harness.test_spec.test_spec import TestSpec

    specs = repo_version_specs(instance)
    record = instance.to_record()
    lines = make_eval_script_list(record, specs, ENV_NAME, REPO_DIR, instance.base_commit, instance.test_patch)
    return TestSpec(
        instance_id=instance.instance_id,
        repo=instance.repo,
        version=instance.version,
        repo_script_list=[],
        eval_script_list=lines,
        env_script_list=[],
        arch=SWEBENCH_ARCH,
        FAIL_TO_PASS=list(instance.FAIL_TO_PASS),
        PASS_TO_PASS=list(instance.PASS_TO_PASS),
        language=MAP_REPO_TO_EXT[instance.repo],
        docker_specs=specs.get("docker_specs", {}),
        namespace=SWEBENCH_NAMESPACE,
    )


def repo_version_specs(instance: Instance) -> dict:
    """swebench's install/test specs for the instance's repository and version."""
    from swebench.harness.constants import MAP_REPO_VERSION_TO_SPECS

    by_version = MAP_REPO_VERSION_TO_SPECS.get(instance.repo)
    if by_version is None:
        raise InputError(
            f"{instance.instance_id}: swebench knows no repository {instance.repo!r}; "
            "give a local instance an 'image' or 'source' (and 'test_cmd')"
        )
    if instance.version not in by_version:
        raise InputError(
            f"{instance.instance_id}: swebench has no specs for {instance.repo} version {instance.version!r}"
        )
    return by_version[instance.version]
