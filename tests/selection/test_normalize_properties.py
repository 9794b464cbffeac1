"""Normalization checked against diffs made by other tools (difflib, git) and against damaged
real patches: the effect, not the tool's formatting, decides identity; nothing crashes."""

from __future__ import annotations

import difflib
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from selection.candidates import make_candidate
from selection.normalize import PatchParseError, normalize_patch, parse_patch

WORDS = ["x = 1", "y = 2", "", "return x", "pass", "# note", "def f():", "    return 3"]


def random_edit(rng: random.Random) -> tuple[list[str], list[str]]:
    old = [f"{rng.choice(WORDS)} #{rng.randrange(9)}" for _ in range(rng.randrange(1, 30))]
    new = list(old)
    while new == old:
        for _ in range(rng.randrange(1, 5)):
            i = rng.randrange(len(new) + 1)
            op = rng.random()
            if op < 0.4:
                new.insert(i, rng.choice(WORDS) + " !")
            elif op < 0.7 and i < len(new):
                del new[i]
            elif i < len(new):
                new[i] += " changed"
    return old, new


def udiff(old: list[str], new: list[str], n: int) -> str:
    return "".join(difflib.unified_diff([s + "\n" for s in old], [s + "\n" for s in new], "a/f.py", "b/f.py", n=n))


def apply_canonical(text: str, old: list[str]) -> list[str]:
    """Apply a one-file canonical text to `old` (the test's own reading of the format)."""
    blocks: list[tuple[int, list[str], list[str]]] = []
    for line in text.splitlines()[1:]:
        if line.startswith("@@ -"):
            blocks.append((int(line.split()[1][1:]), [], []))
        else:
            blocks[-1][1 if line[0] == "-" else 2].append(line[1:])
    result = list(old)
    for start, removed, added in reversed(blocks):
        assert result[start - 1 : start - 1 + len(removed)] == removed
        result[start - 1 : start - 1 + len(removed)] = added
    return result


def test_difflib_diffs_with_any_context_normalize_equal_and_keep_the_exact_effect() -> None:
    rng = random.Random(7)
    for _ in range(200):
        old, new = random_edit(rng)
        forms = {normalize_patch(udiff(old, new, n)) for n in (0, 1, 3, 7)}
        assert len(forms) == 1, udiff(old, new, 3)
        assert apply_canonical(forms.pop(), old) == new


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_diffs_with_and_without_context_normalize_equal(tmp_path: Path) -> None:
    rng = random.Random(11)
    for _ in range(15):
        old, new = random_edit(rng)
        (tmp_path / "a.py").write_text("\n".join(old) + "\n")
        (tmp_path / "b.py").write_text("\n".join(new) + "\n")
        forms = set()
        for context in ("-U0", "-U3", "-U10"):
            out = subprocess.run(["git", "diff", "--no-index", context, "a.py", "b.py"], cwd=tmp_path,
                                 capture_output=True, text=True).stdout
            assert out.startswith("diff --git")
            forms.add(normalize_patch(out.replace("a/a.py", "a/f.py").replace("b/b.py", "b/f.py")))
        forms.add(normalize_patch(udiff(old, new, 3)))  # and the same edit from difflib, no `diff --git`
        assert len(forms) == 1


def test_damaged_real_patches_parse_or_raise_patch_parse_error(partial_rows) -> None:
    # Guards: a truncated or mangled submission line must become a dropped candidate with a
    # reason, never an unexpected exception that aborts the whole pool.
    rng = random.Random(5)
    for row in rng.sample(partial_rows, 200):
        text = row["model_patch"]
        for _ in range(5):
            k = rng.randrange(len(text) + 1)
            for damaged in (text[:k], text[k:], text[:k] + text[k + 1:], text.replace("\n", "\r\n")[:k]):
                try:
                    if damaged.strip():
                        parse_patch(damaged)
                    normalize_patch(damaged)
                except PatchParseError:
                    pass
                make_candidate(damaged, source="fuzz")
