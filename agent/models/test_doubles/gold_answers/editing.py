"""Gold answer for the editing stage: the gold patch (or, for a deliberately wrong trajectory,
the instance's `wrong_patch`, else one derived from the gold patch by
`agent.models.test_doubles.wrong_patch`) as SEARCH/REPLACE blocks; accepts after seeing them run."""

from __future__ import annotations

from agent.models.test_doubles.wrong_patch import wrong_patch_for
from codefix.core.errors import ModelError


def patch_to_blocks(patch: str) -> str:
    """Each hunk of a unified diff as one SEARCH/REPLACE block (new files: empty SEARCH)."""
    blocks: list[str] = []
    path, new_file = "", False
    search: list[str] | None = None
    replace: list[str] = []

    def flush():
        nonlocal search
        if search is not None and path:
            blocks.append(_block(path, "" if new_file else "".join(search), "".join(replace)))
        search = None

    for line in patch.splitlines(keepends=True):
        if line.startswith("diff --git "):
            flush()
            path, new_file = "", False
        elif line.startswith("--- "):
            flush()
            new_file = line.strip() == "--- /dev/null"
        elif line.startswith("+++ ") and search is None:
            target = line[4:].strip()
            path = target[2:] if target.startswith("b/") else target
        elif line.startswith("@@"):
            flush()
            search, replace = [], []
        elif search is not None:
            if line.startswith("\\"):
                continue
            body = line[1:] if line[:1] in " -+" else line
            if not body.endswith("\n"):
                body += "\n"
            if line.startswith((" ", "-")) or line == "\n":
                search.append(body if line != "\n" else "\n")
            if line.startswith((" ", "+")) or line == "\n":
                replace.append(body if line != "\n" else "\n")
    flush()
    return "\n".join(blocks)


def _block(path: str, search: str, replace: str) -> str:
    return f"```python\n{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


def answer(instance, messages: list[dict], meta: dict, wrong: bool) -> str:
    if any(m.get("role") == "assistant" for m in messages):
        return "The edit is in place and the script's verdicts are as expected.\n\nACCEPT"
    patch = wrong_patch_for(instance) if wrong else instance.patch
    if not patch:
        raise ModelError(f"the gold model cannot edit {instance.instance_id}: the instance has no gold patch")
    return "This fixes the issue.\n\n" + patch_to_blocks(patch)
