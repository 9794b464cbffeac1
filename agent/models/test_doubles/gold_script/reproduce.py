"""Reproduction: apply the test patch, run the repository's own test command, read the FAIL_TO_PASS
tests' results, revert. Exit 0: all pass (fixed); 2: one fails, errors, hangs or did not run
(issue present); 1: no test results at all (the command could not run). Standard library only."""
import re
import subprocess
import sys

# --- parameters (filled in when the script is written) ---
INSTANCE_ID = ""
TEST_PATCH = ""
TEST_COMMAND = "python -m pytest -rA"
LOG_FORMAT = "pytest"
TESTS = []
TIMEOUT = 60.0
# --- end of parameters ---

STATUSES = ("PASSED", "FAILED", "SKIPPED", "ERROR", "XFAIL")
PASSING = ("PASSED", "XFAIL")
ESCAPES = re.compile(r"\x1b\[[0-9;]*m|\[\d+m")


def pytest_results(log):
    """name -> status from pytest's `-rA` summary lines ("PASSED name", "FAILED name - why") and
    verbose lines ("name PASSED"); bracketed path parameters also under their last path part."""
    found = {}
    for raw in log.split("\n"):
        line = ESCAPES.sub("", raw).replace("MouseButton.LEFT", "1").replace("MouseButton.RIGHT", "3")
        line = "".join(ch for ch in line if ch >= " " or ch == "\t")
        words = line.split()
        if len(words) < 2:
            continue
        if words[0] in STATUSES:
            name, status = words[1], words[0]
        elif words[-1] in STATUSES:
            name, status = words[0], words[-1]
        elif words[1] == "PASSED":
            name, status = words[0], "PASSED"
        else:
            continue
        found[name] = status
        param = re.match(r"(.*?)\[(.*)\]$", name)
        if param and param.group(2).startswith("/") and not param.group(2).startswith("//"):
            found[f"{param.group(1)}[/{param.group(2).split('/')[-1]}]"] = status
    return found


def django_results(log):
    """name -> status from Django's runner at verbosity 2 ("name ... ok", "FAIL: name")."""
    found, previous = {}, None
    for line in (raw.strip() for raw in log.split("\n")):
        if " ... " in line:
            previous = line.split(" ... ")[0]
        for suffix, status in ((" ... ok", "PASSED"), (" ... OK", "PASSED"), (" ...  OK", "PASSED"),
                               (" ... FAIL", "FAILED"), (" ... ERROR", "ERROR")):
            if line.endswith(suffix):
                found[line[: -len(suffix)]] = status
        if " ... skipped" in line:
            found[line.split(" ... skipped")[0]] = "SKIPPED"
        for prefix, status in (("FAIL:", "FAILED"), ("ERROR:", "ERROR")):
            if line.startswith(prefix) and len(line.split()) > 1:
                found[line.split()[1]] = status
        if line.startswith("ok") and previous is not None:
            found[previous] = "PASSED"
    return found


def sympy_results(log):
    """name -> status from sympy's bin/test --verbose ("test_name ok", "test_name F", "... E")."""
    found = {}
    for match in re.finditer(r"_+ (\S+\.py):(\S+) _+", log):
        found[f"{match.group(1)}:{match.group(2)}"] = "FAILED"
    for line in (raw.strip() for raw in log.split("\n")):
        if line.startswith("test_"):
            for suffix, status in ((" ok", "PASSED"), (" F", "FAILED"), (" E", "ERROR")):
                if line.endswith(suffix):
                    found[line.split()[0]] = status
    return found


PARSERS = {"pytest": pytest_results, "django": django_results, "sympy": sympy_results}


def git_apply(*flags):
    done = subprocess.run(["git", "apply", *flags, "-"], input=TEST_PATCH.encode(), capture_output=True)
    return done.returncode == 0


def run_tests():
    """(output, timed out)"""
    try:
        done = subprocess.run(["bash", "-c", TEST_COMMAND], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        return (exc.stdout or b"").decode("utf-8", "replace"), True
    return done.stdout.decode("utf-8", "replace"), False


def verdict(results, timed_out):
    """(exit code, message) for the FAIL_TO_PASS tests' results."""
    if timed_out:
        return 2, "the tests hang: issue present"
    if not results:
        return 1, "the test command produced no test results (it could not run)"
    failing = [t for t in TESTS if results.get(t) not in PASSING]
    if not failing:
        return 0, f"issue fixed: {len(TESTS)} test(s) pass"
    shown = ", ".join(f"{t} ({results.get(t, 'not run')})" for t in failing[:5])
    return 2, f"issue present: {len(failing)} of {len(TESTS)} test(s) fail: {shown}"


def main():
    applied = git_apply("--check") and git_apply()
    try:
        output, timed_out = run_tests()
    finally:
        if applied:
            git_apply("-R")
    print(output[-6000:])
    code, message = verdict(PARSERS[LOG_FORMAT](output), timed_out)
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main())
