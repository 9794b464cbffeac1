"""Gold answer for the testing stage: a reproduction script built from the instance's test patch.

The script applies `test_patch`, runs the FAIL_TO_PASS tests with pytest, reverts the test
patch and exits 2 when they fail (or hang), 0 when they pass, 1 when pytest cannot run. Like a
model that iterates, it first writes the script and accepts after seeing it run.
"""

from __future__ import annotations

SCRIPT = '''"""Reproduction for {instance_id}: the tests that the fix makes pass."""
import subprocess
import sys

TEST_PATCH = {test_patch!r}
TESTS = {tests!r}
TIMEOUT = {timeout!r}


def git_apply(*flags):
    return subprocess.run(["git", "apply", *flags, "-"], input=TEST_PATCH.encode(), capture_output=True).returncode == 0


applied = git_apply("--check") and git_apply()
try:
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS],
                              timeout=TIMEOUT)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        print("the tests hang: issue present")
        sys.exit(2)
finally:
    if applied:
        git_apply("-R")
if code == 0:
    print("issue fixed")
    sys.exit(0)
if code in (1, 2):
    print("issue present")
    sys.exit(2)
print("pytest could not run, exit", code)
sys.exit(1)
'''


def reproduction_script(instance) -> str:
    """The standalone script for `instance`, honoring the exit-code contract."""
    timeout = min(float(getattr(instance, "test_timeout", None) or 60), 60.0) / 2
    return SCRIPT.format(
        instance_id=instance.instance_id,
        test_patch=instance.test_patch,
        tests=list(instance.FAIL_TO_PASS),
        timeout=timeout,
    )


def answer(instance, messages: list[dict], meta: dict, wrong: bool) -> str:
    if any(m.get("role") == "assistant" for m in messages):
        return "The script exits 2 on the unfixed repository, as it should.\n\nACCEPT"
    return "Here is a reproduction script.\n\n<test>\n" + reproduction_script(instance) + "</test>\n"
