#!/bin/bash
# Reproduction: apply the test patch, run the repository's own test command, read the FAIL_TO_PASS
# tests' results, revert. Exit 0: all pass (fixed); 2: one fails, hangs or did not run (issue
# present); 1: the command gave no test results (it could not run). Shell, git, coreutils and awk.
# --- parameters (filled in when the script is written) ---
TEST_COMMAND='true'
TIMEOUT=60
TESTS=''
TEST_PATCH=''
LOG_FORMAT=''
read_results() { :; }
# --- end of parameters ---

log=$(mktemp) results=$(mktemp)
trap 'rm -f "$log" "$results"' EXIT
applied=
if printf '%s' "$TEST_PATCH" | git apply --check - 2>/dev/null; then
  printf '%s' "$TEST_PATCH" | git apply - && applied=1
fi
timeout -s KILL "$TIMEOUT" bash -c "$TEST_COMMAND" >"$log" 2>&1
status=$?
if [ -n "$applied" ]; then printf '%s' "$TEST_PATCH" | git apply -R -; fi
tail -c 6000 "$log"
if [ "$status" = 137 ]; then
  echo "the tests hang: issue present"
  exit 2
fi
if [ -z "$LOG_FORMAT" ]; then  # no reader for this log format: the command's own status
  case "$status" in
    0) echo "issue fixed: the test command passes"; exit 0;;
    126|127) echo "the test command could not run (exit $status)"; exit 1;;
    *) echo "issue present: the test command fails (exit $status)"; exit 2;;
  esac
fi
read_results <"$log" >"$results"
if [ ! -s "$results" ]; then
  echo "the test command produced no test results (it could not run)"
  exit 1
fi
failing=0 total=0 shown=
while IFS= read -r test; do
  [ -n "$test" ] || continue
  total=$((total + 1))
  if ! grep -Fxq -- "PASSED $test" "$results"; then
    failing=$((failing + 1))
    [ "$failing" -gt 5 ] || shown="$shown${shown:+, }$test"
  fi
done <<<"$TESTS"
if [ "$failing" = 0 ]; then
  echo "issue fixed: $total test(s) pass"
  exit 0
fi
echo "issue present: $failing of $total test(s) fail or did not run: $shown"
exit 2
