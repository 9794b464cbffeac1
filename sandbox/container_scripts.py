"""The shell snippets a DockerSandbox runs inside its container (data, not logic).

Each is formatted with the paths from `start_state` and the sandbox's workdir; they use
only bash builtins and coreutils/git/tar, which every supported image has.
"""

from __future__ import annotations

import shlex

from sandbox import start_state as S

# Kill every process but PID 1 (the init), the idle keeper and this shell. Builtins only, so
# it still works when the pids limit is exhausted; repeated while anything was found.
KILL_OTHERS = """\
keep=$(cat {keeper} 2>/dev/null)
for round in 1 2 3 4 5 6 7 8 9 10; do
  n=0
  for d in /proc/[0-9]*; do
    p=${{d##*/}}
    if [ "$p" = 1 ] || [ "$p" = "$keep" ] || [ "$p" = $$ ]; then continue; fi
    st=; read -r _ _ st _ < /proc/$p/stat 2>/dev/null
    if [ "$st" = Z ]; then continue; fi
    kill -9 "$p" 2>/dev/null && n=$((n+1))
  done
  [ $n = 0 ] && break
  sleep 0.05
done
"""

# Record the start state: keeper pid, base commit, untracked+ignored files (tarred).
START = """\
set -e
mkdir -p {state}
read -r keep _ < /proc/1/task/1/children || true
echo "$keep" > {keeper}
cd {workdir}
git config --global --add safe.directory '*'
git rev-parse HEAD > {base}
git symbolic-ref -q HEAD > {head_ref} || true
git ls-files -o -z | LC_ALL=C sort -z > {untracked}
tar -C {workdir} --null -T {untracked} -cf {tar}
cat {base}
"""

# Back to the start state: no processes, tracked files at base, untracked files exactly
# those of the start (with their bytes and mtimes), /tmp empty.
RESET = """\
{kill}
cd {workdir} || exit 3
base=$(cat {base}); ref=$(cat {head_ref} 2>/dev/null)
if [ -n "$ref" ]; then git symbolic-ref HEAD "$ref" && git update-ref "$ref" "$base"; else git update-ref --no-deref HEAD "$base"; fi || exit 4
git reset -q --hard "$base" || exit 4
git stash clear 2>/dev/null
git clean -q -ffdx || exit 5
tar -C {workdir} -xf {tar} || exit 6
find /tmp /var/tmp -mindepth 1 -delete 2>/dev/null
exit 0
"""


def kill_others() -> str:
    """Script: kill every process but the init and the keeper."""
    return KILL_OTHERS.format(keeper=S.KEEPER_FILE)


def start(workdir: str) -> str:
    """Script: record the start state; prints the base commit."""
    return START.format(
        state=S.STATE_DIR, keeper=S.KEEPER_FILE, workdir=shlex.quote(workdir),
        base=S.BASE_FILE, head_ref=S.HEAD_REF_FILE, untracked=S.UNTRACKED_LIST, tar=S.UNTRACKED_TAR,
    )


def reset(workdir: str) -> str:
    """Script: return to the recorded start state."""
    return RESET.format(kill=kill_others(), workdir=shlex.quote(workdir), base=S.BASE_FILE,
                        head_ref=S.HEAD_REF_FILE, tar=S.UNTRACKED_TAR)


# Installed first in every command's shell: when the shell exits (also by `exit N`), it kills
# what the command left in its process group (so no stray writer keeps the output stream open),
# sparing itself and its parent `timeout`, and keeps the command's exit status.
GROUP_CLEANUP = (
    "trap 'rc=$?; read -r _ _ _ _ g _ < /proc/$$/stat; for d in /proc/[0-9]*; do p=${d##*/}; "
    "if [ \"$p\" = $$ ] || [ \"$p\" = $PPID ]; then continue; fi; "
    "pg=; read -r _ _ _ _ pg _ < $d/stat 2>/dev/null; [ \"$pg\" = \"$g\" ] && kill -9 $p 2>/dev/null; done; "
    "exit $rc' EXIT\n"
)


def timed(command: str, timeout: float) -> list[str]:
    """Argv: `command` under bash, the whole process group SIGKILLed at `timeout` seconds
    (`timeout` makes the group); stderr merged into stdout in order."""
    return ["timeout", "-s", "KILL", f"{timeout:g}", "bash", "-c", GROUP_CLEANUP + "exec 2>&1\n" + command]
