"""The shell snippets a DockerSandbox runs inside its container (data, not logic).

They use only bash (>= 4.4), coreutils (>= 8.25), findutils and git, which every supported image
has. Values they need (the keeper's pid, the last reset's time) come from the host as arguments:
nothing a run can write is trusted.
"""

from __future__ import annotations

import shlex

from sandbox.docker import start_state as S

SNAPSHOT_MISSING = 20
"""START's exit when the snapshot volume is empty (removed while in use): repopulate, retry."""
TAINTED = 21
"""RESET's exit when a run changed something reset cannot restore: use a fresh container."""
TOO_MANY_CHANGES = 22
"""RESET's exit when a run changed more files than restoring one by one is worth."""
MAX_CHANGES = 4000
"""Changed workdir entries beyond which a fresh container is cheaper than restoring."""

# `/proc/PID/stat` is "pid (comm) state ppid pgrp ...", and comm is whatever the process wrote
# to /proc/self/comm (spaces, parentheses, newlines): the fields are read after the *last* ") ".
# Given the whole file in `s`, sets `st` (the state letter) and `pg` (the process group).
STAT_FIELDS = 'r=${s##*) }; st=${r%% *}; r=${r#* }; r=${r#* }; pg=${r%% *}'

# Kill every process but PID 1 (the init), the idle keeper and this shell, whatever its state or
# name. Builtins only, so it still works when the pids limit is exhausted; repeated while anything
# but a zombie was found (a zombie leader whose other threads still run is not one: it is killed
# and counted like any process).
KILL_OTHERS = """\
keep={keeper}
for round in 1 2 3 4 5 6 7 8 9 10; do
  n=0
  for d in /proc/[0-9]*; do
    p=${{d##*/}}
    if [ "$p" = 1 ] || [ "$p" = "$keep" ] || [ "$p" = $$ ]; then continue; fi
    s=; read -r -d '' s < "$d/stat" 2>/dev/null
    kill -9 "$p" 2>/dev/null || continue
    {fields}; t=("$d"/task/*)
    if [ "$st" != Z ] || [ "${{#t[@]}}" -gt 1 ]; then n=$((n+1)); fi
  done
  [ $n = 0 ] && break
  sleep 0.05
done
"""

# The kernel's current file time (ctime resolution) as seconds since the epoch; every change
# made after it has a ctime >= it. The scratch file lives in /tmp, which reset always empties.
STAMP = """\
: > /tmp/.codefix-stamp && echo "STAMP $(find /tmp/.codefix-stamp -printf '%C@' -delete)"
"""

# Fill the (empty tmpfs) workdir and home from the read-only snapshot; report the idle keeper,
# the base commit and the time after which every change is the runs' own.
START = """\
set -e
S={snapshot}
[ -d "$S" ] || exit {missing}
cp -a "$S/workdir/." {workdir}/
cp -a "$S/home/." {home}/
chown --reference="$S/workdir" {workdir}; chmod --reference="$S/workdir" {workdir}; touch -r "$S/workdir" {workdir}
chown --reference="$S/home" {home}; chmod --reference="$S/home" {home}; touch -r "$S/home" {home}
read -r keep _ < /proc/1/task/1/children || true
echo "KEEPER $keep"
echo "BASE $(cat "$S/base_commit")"
{stamp}"""

# Back to the start state, given T (a time before anything a run did). Every path whose ctime
# is at or after T changed (ctime cannot be forged: the kernel sets it on any change of content,
# metadata, name or link count), so one `find` finds all a run did:
#  - in /dev or the cgroup tmpfs, or any SysV IPC object: the container is tainted (replace it);
#  - in the home: it is restored from the snapshot as a whole;
#  - in the workdir: each changed entry is removed and copied back from the snapshot (if it is
#    there), entries missing from changed directories are copied back, directory metadata reset.
# The scratch areas are emptied and get their modes back. Processes are killed first.
RESET = """\
{kill}
T={threshold}; W={workdir}; S={snapshot}; H={home}
shopt -s nullglob dotglob
taint=
for f in /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg; do
  mapfile -t lines < "$f" || lines=(x x); [ "${{#lines[@]}}" -le 1 ] || taint="$taint ${{f##*/}}"
done
mapfile -d '' changed < <(find /dev /sys/fs/cgroup "$H" "$W" -xdev -newerct "@$T" -print0 2>/dev/null)
home=; work=()
for path in "${{changed[@]}}"; do
  case "$path" in
    "$W"|"$W"/*) work+=("${{path#"$W"}}");;
    "$H"|"$H"/*) home=1;;
    *) taint="$taint $path";;
  esac
done
[ -z "$taint" ] || {{ echo "TAINTED${{taint:0:300}}"; exit {tainted}; }}
left=(); for d in {scratch} /dev/shm /dev/mqueue; do left+=("$d"/*); done
[ "${{#left[@]}}" = 0 ] || find {scratch} /dev/shm /dev/mqueue -mindepth 1 -delete || exit 5
if [ -n "$home" ]; then
  rm -rf -- "$H"/* && cp -a "$S/home/." "$H"/ && chown --reference="$S/home" "$H" \\
    && chmod --reference="$S/home" "$H" && touch -r "$S/home" "$H" || exit 6
fi
[ "${{#work[@]}}" -le {max_changes} ] || {{ echo "CHANGED ${{#work[@]}}"; exit {too_many}; }}
declare -A replaced=()
drop=(); put=(); dirs=()
for rel in "${{work[@]}}"; do
  rel=${{rel#/}}; a=$rel; skip=
  while [[ $a == */* ]]; do a=${{a%/*}}; [ -n "${{replaced[$a]:-}}" ] && {{ skip=1; break; }}; done
  [ -z "$skip" ] || continue
  w="$W${{rel:+/$rel}}"; p="$S/workdir${{rel:+/$rel}}"
  if [ -d "$w" ] && [ ! -L "$w" ] && [ -d "$p" ] && [ ! -L "$p" ]; then
    for e in "$p"/*; do n=${{e##*/}}; [ -e "$w/$n" ] || [ -L "$w/$n" ] || put+=("${{rel:+$rel/}}$n"); done
    dirs+=("$rel")
  else
    drop+=("$w"); replaced[$rel]=1
    if [ -e "$p" ] || [ -L "$p" ]; then put+=("$rel"); fi
  fi
done
[ "${{#drop[@]}}" = 0 ] || rm -rf -- "${{drop[@]}}" || exit 7
[ "${{#put[@]}}" = 0 ] || (cd "$S/workdir" && cp -a --parents -t "$W" -- "${{put[@]}}") || exit 7
# Directory metadata, deepest first: one `find` reads it for both trees (and the scratch roots);
# only what differs is set.
targets=({scratch} /dev/shm /dev/mqueue); refs=("" "" "" "")
for (( i=${{#dirs[@]}}-1; i>=0; i-- )); do rel=${{dirs[i]}}; targets+=("$W${{rel:+/$rel}}"); refs+=("$S/workdir${{rel:+/$rel}}"); done
mapfile -d '' meta < <(find "${{targets[@]}}" "${{refs[@]:4}}" -maxdepth 0 -printf '%m %U %G %T@\\0')
n=${{#targets[@]}}
[ "${{#meta[@]}}" = $(( 2 * n - 4 )) ] || {{ echo "cannot read directory metadata"; exit 7; }}
for (( i=0; i<n; i++ )); do
  read -r mode uid gid mtime <<< "${{meta[i]}}"; w=${{targets[i]}}; p=${{refs[i]}}
  if [ -z "$p" ]; then
    [ "$mode $uid $gid" = "1777 0 0" ] || {{ chown 0:0 "$w" && chmod 1777 "$w"; }} || exit 5
    continue
  fi
  read -r pmode puid pgid pmtime <<< "${{meta[n + i - 4]}}"
  [ "$uid $gid" = "$puid $pgid" ] || chown --reference="$p" "$w" || exit 7
  [ "$mode" = "$pmode" ] || chmod --reference="$p" "$w" || exit 7
  [ "$mtime" = "$pmtime" ] || touch -r "$p" "$w" || exit 7
done
echo "RESTORED ${{#work[@]}}"
{stamp}"""


def kill_others(keeper: int | str) -> str:
    """Script: kill every process but the init and the keeper."""
    return KILL_OTHERS.format(keeper=shlex.quote(str(keeper)), fields=STAT_FIELDS)


def start(workdir: str) -> str:
    """Script: fill the workdir and home from the snapshot; prints KEEPER, BASE and STAMP lines."""
    return START.format(snapshot=S.SNAPSHOT_DIR, missing=SNAPSHOT_MISSING, workdir=shlex.quote(workdir),
                        home=S.HOME, stamp=STAMP)


def reset(workdir: str, keeper: int | str, threshold: str) -> str:
    """Script: return to the start state, given `threshold` (a time before every change a run
    made); prints RESTORED and STAMP lines, or exits TAINTED / TOO_MANY_CHANGES."""
    return RESET.format(kill=kill_others(keeper), threshold=shlex.quote(threshold), workdir=shlex.quote(workdir),
                        snapshot=S.SNAPSHOT_DIR, home=S.HOME, scratch=" ".join(S.SCRATCH_DIRS),
                        tainted=TAINTED, too_many=TOO_MANY_CHANGES, max_changes=MAX_CHANGES, stamp=STAMP)


# Installed first in every command's shell: when the shell exits (also by `exit N`), it kills
# what the command left in its process group (so no stray writer keeps the output stream open),
# sparing itself and its parent `timeout`, and keeps the command's exit status.
GROUP_CLEANUP = (
    "trap 'rc=$?; s=; read -r -d \"\" s < /proc/$$/stat; " + STAT_FIELDS + "; g=$pg; for d in /proc/[0-9]*; do p=${d##*/}; "
    "if [ \"$p\" = $$ ] || [ \"$p\" = $PPID ]; then continue; fi; "
    "s=; read -r -d \"\" s < $d/stat 2>/dev/null; " + STAT_FIELDS + "; [ \"$pg\" = \"$g\" ] && kill -9 $p 2>/dev/null; done; "
    "exit $rc' EXIT\n"
)


def timed(command: str, timeout: float) -> list[str]:
    """Argv: `command` under bash, the whole process group SIGKILLed at `timeout` seconds
    (`timeout` makes the group); stderr merged into stdout in order."""
    return ["timeout", "-s", "KILL", f"{timeout:g}", "bash", "-c", GROUP_CLEANUP + "exec 2>&1\n" + command]
