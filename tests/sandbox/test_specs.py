"""Eval scripts for local instances, and their run in the offline base image.

The Docker test runs the script for a bundled fixture in `codefix-base:bookworm` (no conda, no
network) and grades the log: unfixed it is not resolved, with the gold patch it is, and the
test files are back at base afterwards.
"""

from __future__ import annotations

import io
import tarfile
import uuid
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from codefix.core.errors import InputError
from codefix.core.instance import Instance
from sandbox.evaluation.grading import grade
from sandbox.evaluation.specs import eval_script, swebench_image_name
from sandbox.evaluation.specs import test_directives as directives_of

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
BASE_IMAGE = "codefix-base:bookworm"

TEST_PATCH = """diff --git a/tests/test_cart.py b/tests/test_cart.py
index 1111111..2222222 100644
--- a/tests/test_cart.py
+++ b/tests/test_cart.py
@@ -1,2 +1,4 @@
 def test_empty():
     assert True
+def test_total():
+    assert False
diff --git a/tests/test_new.py b/tests/test_new.py
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/tests/test_new.py
@@ -0,0 +1,2 @@
+def test_new():
+    pass
diff --git a/docs/data.json b/docs/data.json
index 1111111..2222222 100644
--- a/docs/data.json
+++ b/docs/data.json
@@ -1 +1 @@
-{}
+{"a": 1}
"""


def local(**fields) -> Instance:
    base = dict(
        instance_id="acme__shop-1",
        repo="acme/shop",
        base_commit="",
        problem_statement="totals are wrong",
        test_patch=TEST_PATCH,
        FAIL_TO_PASS=["tests/test_cart.py::test_total"],
        PASS_TO_PASS=["tests/test_cart.py::test_empty"],
        version="1.0",
        image="acme-shop:latest",
    )
    return Instance(**{**base, **fields})


def test_image_name_follows_swebench_naming():
    inst = Instance(instance_id="Owner__Repo-12", repo="o/r", base_commit="c", problem_statement="p")
    assert swebench_image_name(inst) == "swebench/sweb.eval.x86_64.owner_1776_repo-12:latest"


def test_local_script_runs_pytest_on_the_test_files_by_default():
    script = eval_script(local())
    start, end = script.index(": '>>>>> Start Test Output'"), script.index(": '>>>>> End Test Output'")
    assert script[start:end].splitlines()[1] == "python3 -m pytest -rA tests/test_cart.py tests/test_new.py"
    assert directives_of(local()) == ["tests/test_cart.py", "tests/test_new.py"]


def test_local_script_uses_test_cmd_as_given():
    script = eval_script(local(test_cmd="make check TESTS='a b'"))
    assert "\nmake check TESTS='a b'\nSWEBENCH_TEST_EXIT_CODE=$?\n: '>>>>> End Test Output'\n" in script
    assert '\n: \'>>>>> End Test Output\'\necho ">>>>> Test Exit Code: $SWEBENCH_TEST_EXIT_CODE"\n' in script


def test_local_script_resets_changed_test_files_and_removes_created_ones_before_and_after():
    script = eval_script(local(base_commit="abc123"))
    reset = "git checkout abc123 -- tests/test_cart.py docs/data.json && rm -f -- tests/test_new.py"
    assert script.count(reset) == 2
    assert script.index(reset) < script.index("git apply -v -") < script.rindex(reset)
    assert script.rstrip().endswith(reset)
    # Without a recorded base commit the base is the sandbox's HEAD.
    assert "git checkout HEAD -- tests/test_cart.py" in eval_script(local())


def test_local_script_without_a_test_patch_just_runs_the_command():
    script = eval_script(local(test_patch="", test_cmd="python3 -m pytest -rA"))
    assert "git apply" not in script and 'echo "No test files to reset"' in script


def test_local_script_heredoc_survives_a_patch_containing_the_delimiter():
    patch = TEST_PATCH.replace("+    pass", "+    print('EOF_114329324912')")
    script = eval_script(local(test_patch=patch))
    assert "<<'EOF_114329324912_'" in script and script.count("\nEOF_114329324912_\n") == 1


def test_local_script_activates_conda_only_where_the_testbed_env_exists():
    script = eval_script(local())
    assert "if [ -d /opt/miniconda3/envs/testbed ]; then source /opt/miniconda3/bin/activate" in script


def test_a_malformed_test_patch_is_an_input_error():
    bad = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n-only one line\n"
    with pytest.raises(InputError, match="acme__shop-1: test_patch is not a unified diff"):
        eval_script(local(test_patch=bad))


def test_a_record_without_eval_script_or_classic_spec_is_an_input_error():
    from codefix.core.datasets import with_v5_fields

    for repo, version in (("a/b", "1.0"), ("psf/requests", "99.9")):
        inst = with_v5_fields(Instance(instance_id="a__b-1", repo=repo, base_commit="c", problem_statement="p",
                                       version=version))
        assert inst.eval_script is None
        with pytest.raises(InputError, match=f"no eval_script, and codefix has no classic spec for {repo} "
                                             f"version '{version}'"):
            eval_script(inst)


def test_a_record_with_image_assets_is_refused_offline():
    inst = Instance(instance_id="a__b-1", repo="a/b", base_commit="c", problem_statement="p", version="1.0",
                    image="x/y:latest", eval_script="#!/bin/bash\n", log_parser="parse_log_jest",
                    image_assets='{"test_patch": [{"path": "a.png", "url": "https://example.com/a.png"}]}')
    assert inst.is_swebench and inst.image_assets["test_patch"][0]["path"] == "a.png"
    with pytest.raises(InputError, match="image_assets .test_patch. that grading would have to download"):
        eval_script(inst)


# --- in the offline base image ---------------------------------------------------------------


def _tar_of(directory: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(directory, arcname="testbed")
    return buf.getvalue()


def _sh(container, command: str) -> tuple[int, str]:
    code, out = container.exec_run(["bash", "-c", command], workdir="/")
    return code, out.decode("utf-8", "replace")


@pytest.mark.docker
def test_local_script_grades_a_fixture_in_the_offline_base_image(docker_client):
    from docker.errors import ImageNotFound

    try:
        docker_client.images.get(BASE_IMAGE)
    except ImageNotFound:
        pytest.skip(f"{BASE_IMAGE} absent (scripts/setup-docker.sh builds it)")
    inst = load_dataset(FIXTURES).get("codefix-fixtures__dotenv-219")
    container = docker_client.containers.run(
        BASE_IMAGE, ["sleep", "300"], detach=True, network_disabled=True,
        labels={"codefix.sandbox": "test-specs"}, name=f"codefix-test-specs-{uuid.uuid4().hex[:8]}",
    )
    try:
        container.put_archive("/", _tar_of(inst.source))
        git = "git -c user.name=t -c user.email=t@example.com"
        code, out = _sh(container, f"cd /testbed && git init -q && git add -A && {git} commit -qm base")
        assert code == 0, out
        script = eval_script(inst)
        container.put_archive("/root", _tar_bytes("eval.sh", script))

        code, before = _sh(container, "bash /root/eval.sh")
        unfixed = grade(inst, before)
        assert unfixed.tests_ran and unfixed.complete and not unfixed.resolved, unfixed.reason
        assert unfixed.fail_to_pass["failure"] and not unfixed.pass_to_pass["failure"]

        container.put_archive("/root", _tar_bytes("gold.diff", inst.patch))
        code, out = _sh(container, "cd /testbed && git apply /root/gold.diff")
        assert code == 0, out
        code, after = _sh(container, "bash /root/eval.sh")
        fixed = grade(inst, after)
        assert fixed.resolved and fixed.status == "RESOLVED_FULL", (fixed.reason, after[-2000:])

        # The test files are back at base: only the gold patch's files differ from HEAD.
        code, status = _sh(container, "cd /testbed && git status --porcelain --untracked-files=all")
        changed = {line[3:] for line in status.splitlines() if line}
        gold_files = {line[len("+++ b/"):] for line in inst.patch.splitlines() if line.startswith("+++ b/")}
        assert changed - {p for p in changed if "__pycache__" in p} == gold_files
    finally:
        container.remove(force=True)


def _tar_bytes(name: str, text: str) -> bytes:
    data = text.encode("utf-8")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_build_missing_is_refused_clearly_under_swebench_5():
    from sandbox.images.image_build import harness_builders
    from sandbox.images.image_pull import ImageUnavailable

    with pytest.raises(ImageUnavailable, match="swebench 5 no longer builds an image from a record"):
        harness_builders()
