"""`gold:wrong=F` without a recorded wrong patch: one derived from the gold patch applies where
the gold one does, changes no behaviour, and is not the gold patch."""

from __future__ import annotations

import json

from agent.edit_parsing import parse_edits
from agent.edits import apply_edits
from agent.models.test_doubles.gold_answers.editing import patch_to_blocks
from agent.models.test_doubles.wrong_patch import derive_wrong_patch
from tests.selection.shared_data import VERIFIED, need

SOURCE = '''\
import os


def scheme(url, new_scheme):
    """Prepend a scheme."""
    parsed = parse(url)
    scheme, netloc, path = parsed
    if not netloc:
        netloc, path = path, netloc
    if scheme is None:
        scheme = new_scheme
    return urlunparse((scheme, netloc, path))
'''

GOLD = '''\
diff --git a/pkg/utils.py b/pkg/utils.py
--- a/pkg/utils.py
+++ b/pkg/utils.py
@@ -7,6 +7,8 @@ def scheme(url, new_scheme):
     scheme, netloc, path = parsed
     if not netloc:
         netloc, path = path, netloc
+    if auth:
+        netloc = "@".join([auth, netloc])
     if scheme is None:
         scheme = new_scheme
     return urlunparse((scheme, netloc, path))
'''


def _apply(source: str, patch: str) -> str:
    return apply_edits({"pkg/utils.py": source}, parse_edits(patch_to_blocks(patch)))["pkg/utils.py"]


def test_the_wrong_patch_is_a_no_op_statement_where_the_fix_goes():
    wrong = derive_wrong_patch(GOLD)
    result = _apply(SOURCE, wrong)
    assert result == SOURCE.replace("    if scheme is None:", "    pass  # handle the case the issue reports\n    if scheme is None:")
    compile(result, "utils.py", "exec")


def test_no_statement_goes_inside_brackets_after_a_decorator_or_before_else():
    gold = '''\
diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -1,9 +1,9 @@
 x = call(
     1,
     2)
 @decorator
 def f():
     if a:
-        return 1
+        return 2
     else:
         return 3
'''
    wrong = derive_wrong_patch(gold)
    lines = wrong.splitlines()
    inserted = next(i for i, line in enumerate(lines) if i > 3 and line.startswith("+"))
    assert lines[inserted] == "+        pass  # handle the case the issue reports"
    assert lines[inserted + 1] == "         return 1"  # in the if-body, before the changed line


def test_a_hunk_that_starts_inside_a_docstring_is_read_as_such():
    gold = '''\
diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -3,4 +3,5 @@ class P:
     More text.
     """
 
+    __slots__ = ()
     def f(self):
'''
    lines = derive_wrong_patch(gold).splitlines()
    assert "+    pass  # handle the case the issue reports" in lines
    assert lines.index("+    pass  # handle the case the issue reports") == lines.index('     """') + 2


def test_without_a_safe_point_a_new_text_file_is_the_wrong_patch():
    gold = "diff --git a/a/re.py b/a/re.py\n--- a/a/re.py\n+++ b/a/re.py\n@@ -1,2 +1,2 @@\n X = re.compile(\n-    r'a'\n+    r'b'\n"
    wrong = derive_wrong_patch(gold)
    assert "+++ b/a/FIX_NOTES.txt" in wrong and "--- /dev/null" in wrong


def test_on_every_verified_record_the_wrong_patch_keeps_the_gold_context_and_differs():
    records = [json.loads(line) for line in need(VERIFIED).read_text().splitlines()]
    for rec in records:
        wrong = derive_wrong_patch(rec["patch"])
        assert wrong and wrong != rec["patch"], rec["instance_id"]
        if "FIX_NOTES.txt" in wrong:
            continue
        old_side = [line[1:] for line in wrong.splitlines()[4:] if line[:1] in (" ", "")]
        added = [line for line in wrong.splitlines()[4:] if line.startswith("+")]
        assert len(added) == 1 and added[0][1:].strip() == "pass  # handle the case the issue reports"
        assert "\n".join(old_side) in "\n".join(
            line[1:] for line in rec["patch"].splitlines() if line[:1] in (" ", "-", "")), rec["instance_id"]
