"""Packing into a token budget, skeletons, recall (pure functions, literals)."""

from __future__ import annotations

from agent.context.packing import pack, render_packed
from agent.context.recall import gold_recall, patch_files
from agent.context.skeleton import python_skeleton


def words(text: str) -> int:
    return len(text.split())


def test_packing_keeps_trying_smaller_files_after_one_does_not_fit() -> None:
    texts = {"a.py": "w " * 40, "b.py": "w " * 50, "c.py": "w " * 10, "d.py": "w " * 5}
    # rendered blocks add 3 words each (<file path=...>, </file>)
    packed, left_out = pack(["a.py", "b.py", "c.py", "d.py"], texts, 70, words)
    assert [(f.path, f.tokens) for f in packed] == [("a.py", 43), ("c.py", 13), ("d.py", 8)]
    assert left_out == [{"path": "b.py", "reason": "does not fit what is left", "tokens": 53}]


def test_a_file_alone_over_budget_enters_as_a_skeleton() -> None:
    big = "def keep(a, b):\n    '''Doc.'''\n" + "    x = 1\n" * 200
    packed, _ = pack(["big.py"], {"big.py": big}, 30, words)
    assert [(f.path, f.form) for f in packed] == [("big.py", "skeleton")]
    assert "def keep(a, b):" in packed[0].text and "x = 1" not in packed[0].text
    packed, left_out = pack(["big.py"], {"big.py": big}, 30, words, skeleton_oversized=False)
    assert packed == [] and left_out[0]["reason"] == "larger than the budget"


def test_rendered_context_names_each_file_in_order() -> None:
    text = render_packed([("b.py", "x = 1"), ("a.py", "y = 2\n")])
    assert text == '<file path="b.py">\nx = 1\n</file>\n\n<file path="a.py">\ny = 2\n</file>\n'


def test_skeleton_keeps_signatures_docstrings_imports_and_nested_classes() -> None:
    src = '''"""Module doc."""
import os
from a import (b,
    c)
X = 1

@decorator(arg=1)
def f(a,  # a comment
      b=2) -> int:
    """F doc."""
    return a + b

class K(Base):
    """K doc."""
    attr = 3
    def m(self):
        return 1
    class Inner:
        pass

if TYPE_CHECKING:
    def g(): pass
'''
    assert python_skeleton(src) == '''"""Module doc."""
import os
from a import (b, c)
X = 1
@decorator(arg=1)
def f(a, b=2) -> int:
    """F doc."""
    ...
class K(Base):
    """K doc."""
    attr = 3
    def m(self):
        ...
    class Inner:
        ...
def g():
    ...
'''


def test_recall_counts_gold_files_present_at_the_base_commit() -> None:
    patch = (
        "diff --git a/pkg/a.py b/pkg/a.py\n--- a/pkg/a.py\n+++ b/pkg/a.py\n@@ -1 +1 @@\n-x\n+y\n"
        "diff --git a/pkg/b.py b/pkg/b.py\n--- a/pkg/b.py\n+++ b/pkg/b.py\n@@ -1 +1 @@\n-x\n+y\n"
        "diff --git a/pkg/new.py b/pkg/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/pkg/new.py\n@@ -0,0 +1 @@\n+z\n"
    )
    assert patch_files(patch) == ["pkg/a.py", "pkg/b.py", "pkg/new.py"]
    r = gold_recall(patch, ["pkg/a.py", "pkg/b.py"], ["pkg/a.py"], {"pkg/a.py", "pkg/b.py", "pkg/c.py"})
    assert r["recall"] == 0.5 and r["relevance_recall"] == 1.0 and r["missed"] == ["pkg/b.py"]
    assert gold_recall("", [], [], {"pkg/a.py"}) is None
