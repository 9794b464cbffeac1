"""Patch safety checks (literals) and apply/diff in a real sandbox."""

from __future__ import annotations

import io
import shutil
import tarfile
import uuid
from pathlib import Path

import pytest

from codefix.core.errors import PatchApplyError, UnsafePatchError
from sandbox.docker.patch_paths import touched_paths
from sandbox.docker.patching import FUZZY, GIT_APPLY, apply_patch, check_patch_text, diff
from tests.sandbox.tiny_instance import remove_image_and_snapshot, tiny_image

FIX = """\
diff --git a/pkg/mod.py b/pkg/mod.py
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -1,2 +1,2 @@
 def f():
-    return 1
+    return 2
"""
NEW_FILE = """\
diff --git a/pkg/extra.py b/pkg/extra.py
new file mode 100644
--- /dev/null
+++ b/pkg/extra.py
@@ -0,0 +1 @@
+X = 1
"""
# The first context line is wrong ("g14(x)"): git apply refuses, patch --fuzz=3 applies.
FUZZY_FIX = """\
--- a/pkg/long.py
+++ b/pkg/long.py
@@ -57,3 +57,3 @@
 def g14(x):
-    return 14
+    return 140
 
"""


def outside(path: str) -> str:
    return f"--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-a\n+b\n"


def test_paths_come_from_headers_not_from_hunk_lines():
    patch = "--- a/x.sql\n+++ b/x.sql\n@@ -1,2 +1,1 @@\n--- /etc/passwd\n keep\n"
    assert touched_paths(patch) == ["a/x.sql", "b/x.sql"]
    assert check_patch_text(patch) == ["x.sql"]
    quoted = 'diff --git "a/sp ace\\303\\251.py" "b/sp ace\\303\\251.py"\n'
    assert touched_paths(quoted) == ["a/sp aceé.py", "b/sp aceé.py"]
    assert check_patch_text(NEW_FILE) == ["pkg/extra.py"]


@pytest.mark.parametrize("patch", [outside("../etc/passwd"), outside("pkg/../../x"),
                                   "--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n",
                                   "diff --git a/x b/x\nrename from x\nrename to ../y\n",
                                   outside(".git/config"), outside(".git/info/attributes"),
                                   "diff --git a/x b/.git/hooks/post-checkout\nrename from x\nrename to .git/hooks/post-checkout\n"])
def test_paths_outside_the_repository_are_refused(patch):
    with pytest.raises(UnsafePatchError):
        check_patch_text(patch)


@pytest.mark.parametrize("patch, message", [("", "empty"), ("  \n", "empty"),
                                            ("GIT binary patch\nliteral 3\n", "binary"),
                                            ("--- a/x\n+++ b/x\n\x00\x01", "binary"),
                                            ("just some text\n", "no file headers")])
def test_unusable_input_is_refused_clearly(patch, message):
    with pytest.raises(PatchApplyError, match=message):
        check_patch_text(patch)


SURROGATE = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = '\ud800'\n"


class SandboxNeverWritten:
    """TEST DOUBLE of the Sandbox protocol for a patch refused before it reaches the sandbox."""

    def reset(self):
        pass

    def write_file(self, path, content):
        raise AssertionError(f"{path} written: the patch should have been refused first")

    def run(self, command, timeout=None):
        raise AssertionError("nothing should run")


def test_a_lone_surrogate_in_a_patch_is_a_patch_failure_not_an_infrastructure_error():
    from codefix.core.instance import Instance
    from sandbox.evaluation.evaluate import evaluate_in_sandbox

    with pytest.raises(PatchApplyError, match="lone surrogate .* on line 6"):
        check_patch_text(SURROGATE)
    inst = Instance(instance_id="o__r-1", repo="o/r", base_commit="a", problem_statement="p")
    report, _log = evaluate_in_sandbox(inst, SURROGATE, SandboxNeverWritten())
    assert report.status == "patch_failed" and "lone surrogate" in report.reason


@pytest.fixture(scope="module")
def sb(tmp_path_factory, docker_client):
    from sandbox.docker.docker_sandbox import DockerSandbox

    image = tiny_image(tmp_path_factory.mktemp("tiny"), docker_client)[0]
    with DockerSandbox(image, client=docker_client) as sandbox:
        yield sandbox


@pytest.fixture
def clean(sb):
    sb.reset()
    return sb


@pytest.mark.docker
def test_git_apply_and_diff_with_a_new_file(clean):
    assert apply_patch(clean, FIX).method == GIT_APPLY
    assert apply_patch(clean, NEW_FILE).paths == ("pkg/extra.py",)
    clean.write_file("notes/todo.txt", "later\n")
    clean.write_file("build/ignored.o", "x")
    text = diff(clean)
    assert text.endswith("\n") and "+    return 2" in text and "new file mode" in text
    assert "+++ b/pkg/extra.py" in text and "+++ b/notes/todo.txt" in text and "ignored.o" not in text
    assert clean.run("python3 -m pytest -q tests/test_mod.py").exit_code == 0
    assert clean.run("git status --porcelain").output.count("??") == 2  # the real index is untouched
    clean.reset()
    assert diff(clean) == ""
    assert apply_patch(clean, text).method == GIT_APPLY  # a diff round-trips
    assert diff(clean) == text


@pytest.mark.docker
def test_a_patch_that_does_not_apply_is_an_error_with_output(clean):
    wrong = FIX.replace("-    return 1", "-    return 7")
    with pytest.raises(PatchApplyError) as info:
        apply_patch(clean, wrong)
    assert "patch does not apply" in str(info.value) and "git apply" in info.value.output
    assert clean.read_file("pkg/mod.py") == "def f():\n    return 1\n"


@pytest.mark.docker
def test_symlink_out_of_the_repository_is_refused_in_the_container(clean):
    clean.run("ln -s /etc etc_link && ln -s pkg inner_link")
    with pytest.raises(UnsafePatchError, match="symlink"):
        apply_patch(clean, outside("etc_link/hostname"))
    assert clean.run("test -f /etc/hostname").exit_code == 0


@pytest.mark.docker
def test_fuzzy_fallback_and_its_absence_are_reported(clean, docker_client):
    from sandbox.docker.docker_sandbox import DockerSandbox

    if clean.run("command -v patch").exit_code == 0:
        result = apply_patch(clean, FUZZY_FIX)
        assert result.method == FUZZY and "return 140" in clean.read_file("pkg/long.py")
        return
    with pytest.raises(PatchApplyError, match="no 'patch' program"):
        apply_patch(clean, FUZZY_FIX)
    host_patch = shutil.which("patch")
    if host_patch is None:
        pytest.skip("neither the image nor the host has GNU patch")
    image = _with_program(docker_client, clean.config.image, host_patch)  # the root filesystem is read-only
    try:
        with DockerSandbox(image, client=docker_client) as box:
            result = apply_patch(box, FUZZY_FIX)
            assert result.method == FUZZY and "return 140" in box.read_file("pkg/long.py")
            assert box.run("git status --porcelain").output.strip() == "M pkg/long.py"  # no .orig/.rej
    finally:
        remove_image_and_snapshot(docker_client, image)


def _with_program(client, image: str, binary: str) -> str:
    """An image like `image` with the host's `binary` (needs only libc) in /usr/local/bin."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(binary, arcname=Path(binary).name)
    container = client.containers.create(image, command=["true"])
    try:
        container.put_archive("/usr/local/bin", buf.getvalue())
        return container.commit(repository="codefix-local/tests-with-patch", tag=uuid.uuid4().hex[:8]).id
    finally:
        container.remove(force=True)


@pytest.mark.docker
def test_files_untracked_at_start_stay_out_of_the_diff_and_survive_reset(sb, docker_client):
    from sandbox.docker.docker_sandbox import DockerSandbox

    maker = docker_client.containers.run(sb.config.image, ["bash", "-c", "echo \"VERSION = '1.0'\" > /testbed/generated_version.py"],
                                         detach=True)  # like a SWE-bench image's leftovers
    maker.wait()
    image = maker.commit(repository="codefix-local/tests-untracked-start", tag=uuid.uuid4().hex[:8])
    maker.remove(force=True)
    try:
        with DockerSandbox(image.id, client=docker_client) as box:
            assert diff(box) == ""
            box.write_file("generated_version.py", "VERSION = 'edited'\n")
            box.write_file("brand_new.py", "X = 1\n")
            text = diff(box)
            assert "brand_new.py" in text and "generated_version" not in text
            box.reset()
            assert box.read_file("generated_version.py") == "VERSION = '1.0'\n"
            assert box.run("ls brand_new.py").exit_code != 0
    finally:
        remove_image_and_snapshot(docker_client, image.id)
