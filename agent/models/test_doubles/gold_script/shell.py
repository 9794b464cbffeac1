"""The host side of the gold double's shell reproduction script (`reproduce.sh`), for a
repository whose script the prompts ask to be a shell script: the record's own test command
(`agent.record_tests`), its FAIL_TO_PASS tests, and an awk reader of the test output for the
record's swebench 5 log parser (the parser's own line format, so the names match the record's);
a parser without a reader leaves the verdict to the command's exit status."""

from __future__ import annotations

from pathlib import Path

from agent.models.test_doubles.gold_script.params import filled
from agent.record_tests import record_test_command

TEMPLATE = Path(__file__).with_name("reproduce.sh")
MAX_TIMEOUT = 90

# Each reader prints "PASSED name", "FAILED name" or "SKIPPED name" per result line of its format,
# reading the line trimmed as the swebench 5 parser of the same name does.
_TRIM = 'line = $0; gsub(/^[ \\t]+|[ \\t]+$/, "", line); '
READERS = {
    # "--- PASS: TestName (0.00s)": the name runs to the last " ("
    "parse_log_gotest": _TRIM + (
        'if (line ~ /^--- (PASS|FAIL|SKIP): .+ \\(.+\\)$/) { '
        'rest = substr(line, 11); n = 0; for (i = 1; i < length(rest); i++) if (substr(rest, i, 2) == " (") n = i; '
        'status = substr(line, 5, 4); print (status == "PASS" ? "PASSED" : status == "FAIL" ? "FAILED" : "SKIPPED") '
        '" " substr(rest, 1, n - 1) }'),
    # "ok 3 - name" / "not ok 3 - name": the name is everything after the number
    "parse_log_tap": _TRIM + (
        'if (line ~ /^ok [0-9]+ ./) { rest = substr(line, 4); sub(/^[0-9]+ /, "", rest); print "PASSED " rest } '
        'else if (line ~ /^not ok [0-9]+ ./) { rest = substr(line, 8); sub(/^[0-9]+ /, "", rest); print "FAILED " rest }'),
    # "test path::name ... ok" / "... FAILED"
    "parse_log_cargo": _TRIM + (
        'if (line ~ /^test[ \\t]+[^ \\t]+[ \\t]+\\.\\.\\.[ \\t]+[A-Za-z0-9_]+$/) { n = split(line, w, /[ \\t]+/); '
        'if (w[n] == "ok") print "PASSED " w[2]; else if (w[n] == "FAILED") print "FAILED " w[2] }'),
}


def shell_reproduction_script(instance) -> str:
    """`reproduce.sh` with the instance's parameters in place of the template's."""
    if getattr(instance, "is_swebench", False):
        from codefix.core.datasets import with_v5_fields

        instance = with_v5_fields(instance)
    command = record_test_command(instance) or "false"
    timeout = int(min(float(getattr(instance, "test_timeout", None) or MAX_TIMEOUT), MAX_TIMEOUT))
    parser = getattr(instance, "log_parser", "") or ""
    reader = READERS.get(parser)
    params = (
        f"TEST_COMMAND={quoted(command)}\n"
        f"TIMEOUT={timeout}\n"
        f"{heredoc('TESTS', ''.join(t + chr(10) for t in instance.FAIL_TO_PASS))}"
        f"{heredoc('TEST_PATCH', getattr(instance, 'test_patch', '') or '')}"
        f"LOG_FORMAT={quoted(parser if reader else '')}\n"
        f"read_results() {{ {'awk ' + quoted('{ ' + reader + ' }') if reader else ':'}; }}\n"
    )
    return filled(TEMPLATE, params)


def quoted(text: str) -> str:
    """`text` as one single-quoted shell word."""
    return "'" + text.replace("'", "'\\''") + "'"


def heredoc(name: str, text: str) -> str:
    """Shell lines setting variable `name` to `text` verbatim (a newline added when it has none at
    its end), read from a quoted here-document whose delimiter is none of its lines."""
    lines = set(text.splitlines())
    delimiter = "CODEFIX_TEXT"
    while delimiter in lines:
        delimiter += "_"
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{name}=\nIFS= read -r -d '' {name} <<'{delimiter}'\n{body}{delimiter}\n"
