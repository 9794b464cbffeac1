"""Apply a patch in any `Sandbox` (safely), and read back the working tree's diff."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from codefix.core.errors import PatchApplyError, SandboxError, UnsafePatchError
from codefix.core.protocols import Sandbox
from sandbox.docker.patch_paths import strip_prefix, touched_paths
from sandbox.docker.start_state import BASE_FILE, UNTRACKED_LIST

PATCH_FILE = "/tmp/codefix-apply.patch"
DIFF_FILE = "/tmp/codefix-worktree.diff"
GIT_APPLY = "git apply -v"
FUZZY = "patch -p1 --fuzz=3"
UNSAFE_EXIT = 3
APPLY_TIMEOUT = 120.0

# Exit 3 and "UNSAFE <path>" lines when a path resolves (through symlinks) outside the repo.
CHECK_AND_GIT_APPLY = """\
root=$(pwd -P); bad=0
for p in {paths}; do
  r=$(realpath -m -- "$p")
  case "$r" in "$root"|"$root"/*) ;; *) echo "UNSAFE $p -> $r"; bad=1;; esac
done
[ $bad = 0 ] || {{ rm -f {file}; exit {unsafe}; }}
git apply -v {file}; rc=$?
[ $rc = 0 ] && rm -f {file}
exit $rc
"""
FUZZY_APPLY = """\
command -v patch >/dev/null || {{ rm -f {file}; echo "the image has no 'patch' program, so there is no fuzzy fallback"; exit 127; }}
opts="-p1 --fuzz=3 --batch --forward --no-backup-if-mismatch --reject-file=-"
patch $opts --dry-run -i {file} >/dev/null && patch $opts -i {file}; rc=$?
rm -f {file}; exit $rc
"""
DIFF = """\
set -e
base=$(cat {base} 2>/dev/null || git rev-parse HEAD)
idx=$(mktemp); trap 'rm -f "$idx"' EXIT
cp -p "$(git rev-parse --git-path index)" "$idx"  # -p: keep the mtime git's racy-clean check relies on
export GIT_INDEX_FILE="$idx"
start={start}; [ -f "$start" ] || start=/dev/null
git ls-files -o --exclude-standard -z | LC_ALL=C sort -z | LC_ALL=C comm -z -23 - "$start" | xargs -0 -r git add -N --
git -c core.quotepath=off diff --no-color --no-ext-diff "$base" > {out}
"""


@dataclass(frozen=True)
class ApplyResult:
    """How a patch went in."""

    method: str
    """"git apply -v" or "patch -p1 --fuzz=3" (the fuzzy fallback)."""
    output: str
    """What the applying program printed."""
    paths: tuple[str, ...]
    """Repository-relative paths the patch touches."""


def check_patch_text(patch: str) -> list[str]:
    """The repository-relative paths `patch` touches; raises on unusable or unsafe input."""
    if not patch.strip():
        raise PatchApplyError("the patch is empty")
    if "\x00" in patch or "GIT binary patch" in patch or "\nBinary files " in "\n" + patch:
        raise PatchApplyError("binary patches are not supported")
    try:
        patch.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate (from JSON "\ud800"): no file can hold it
        line = patch.count("\n", 0, exc.start) + 1
        raise PatchApplyError(f"the patch is not valid text: a lone surrogate {patch[exc.start]!r} on line {line}") from None
    raw = touched_paths(patch)
    if not raw:
        raise PatchApplyError("not a unified diff: no file headers found")
    for path in raw:
        if path.startswith("/") or path.startswith("~"):
            raise UnsafePatchError(f"the patch touches an absolute path: {path}")
        if ".." in path.split("/"):
            raise UnsafePatchError(f"the patch touches a path outside the repository: {path}")
    stripped = [strip_prefix(p) if p.startswith(("a/", "b/")) else p for p in raw]
    for path in stripped:
        if path.split("/")[0] == ".git":
            raise UnsafePatchError(f"the patch touches git's own files: {path}")
    return list(dict.fromkeys(stripped))


def apply_patch(sandbox: Sandbox, patch_text: str) -> ApplyResult:
    """Apply `patch_text` in the sandbox's repository: `git apply`, then a fuzzy `patch`.

    Raises UnsafePatchError (paths outside the repo, also through symlinks) or
    PatchApplyError (unusable input, or neither method applied it; `.output` says why).
    """
    paths = check_patch_text(patch_text)
    if not patch_text.endswith("\n"):
        patch_text += "\n"
    sandbox.write_file(PATCH_FILE, patch_text)
    quoted = " ".join(shlex.quote(p) for p in paths)
    file = shlex.quote(PATCH_FILE)
    first = sandbox.run(CHECK_AND_GIT_APPLY.format(paths=quoted, file=file, unsafe=UNSAFE_EXIT), APPLY_TIMEOUT)
    if first.exit_code == UNSAFE_EXIT:
        lines = [line[len("UNSAFE "):] for line in first.output.splitlines() if line.startswith("UNSAFE ")]
        if lines:
            raise UnsafePatchError(f"the patch goes through a symlink out of the repository: {lines[0]}")
    if first.exit_code == 0:
        return ApplyResult(GIT_APPLY, first.output, tuple(paths))
    second = sandbox.run(FUZZY_APPLY.format(file=file), APPLY_TIMEOUT)
    if second.exit_code == 0:
        return ApplyResult(FUZZY, second.output, tuple(paths))
    reason = _last_line(second.output) if second.exit_code == 127 else "the fuzzy fallback failed too"
    raise PatchApplyError(
        f"patch does not apply: {_last_line(first.output)}; {reason}",
        f"$ {GIT_APPLY}\n{first.output}\n$ {FUZZY}\n{second.output}",
    )


def diff(sandbox: Sandbox) -> str:
    """The working tree against the base commit, new files included (not those present at start)."""
    script = DIFF.format(base=BASE_FILE, start=shlex.quote(UNTRACKED_LIST), out=DIFF_FILE)
    result = sandbox.run(script, APPLY_TIMEOUT)
    if result.exit_code != 0:
        raise SandboxError(f"git diff failed in the sandbox: {_last_line(result.output)}")
    text = sandbox.read_file(DIFF_FILE)
    if text and not text.endswith("\n"):
        text += "\n"
    return text


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"
