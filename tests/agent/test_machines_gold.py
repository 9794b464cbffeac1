"""The gold answers for the testing and editing stages, as pure functions."""

import pytest

from codefix.core.errors import ModelError
from codefix.core.instance import Instance

from agent.edit_parsing import parse_edits
from agent.edits import apply_edits
from agent.models.test_doubles.gold_answers import editing, testing

PATCH = """diff --git a/pkg/m.py b/pkg/m.py
index 1..2 100644
--- a/pkg/m.py
+++ b/pkg/m.py
@@ -1,4 +1,4 @@
 def f():
-    return 1
+    return 2

 x = 0
diff --git a/pkg/new.py b/pkg/new.py
new file mode 100644
--- /dev/null
+++ b/pkg/new.py
@@ -0,0 +1,2 @@
+A = 1
+B = 2
"""


def inst(**kw):
    fields = dict(instance_id="o__r-1", repo="o/r", base_commit="abc", problem_statement="bug", patch=PATCH,
                  test_patch="diff --git a/t.py b/t.py\n", FAIL_TO_PASS=["tests/test_m.py::test_f"])
    return Instance(**(fields | kw))


def test_patch_becomes_search_replace_blocks_that_apply():
    edits = parse_edits(editing.patch_to_blocks(PATCH))
    assert [e.path for e in edits] == ["pkg/m.py", "pkg/new.py"]
    out = apply_edits({"pkg/m.py": "def f():\n    return 1\n\nx = 0\n", "pkg/new.py": None}, edits)
    assert out == {"pkg/m.py": "def f():\n    return 2\n\nx = 0\n", "pkg/new.py": "A = 1\nB = 2\n"}


def test_editing_answer_proposes_then_accepts_and_wrong_uses_the_wrong_patch():
    first = editing.answer(inst(), [{"role": "user", "content": "fix"}], {}, wrong=False)
    assert "return 2" in first
    wrong = editing.answer(inst(wrong_patch=PATCH.replace("return 2", "return 3")), [], {}, wrong=True)
    assert "return 3" in wrong and "return 2" not in wrong
    assert "ACCEPT" in editing.answer(inst(), [{"role": "assistant", "content": first}], {}, wrong=False)
    derived = editing.answer(inst(), [], {}, wrong=True)  # no wrong_patch: one derived from the gold patch
    assert "pass  # handle the case the issue reports" in derived and "return 2" not in derived
    with pytest.raises(ModelError, match="no gold patch"):
        editing.answer(inst(patch=""), [], {}, wrong=True)


def test_testing_answer_writes_a_script_with_the_exit_code_contract_then_accepts():
    reply = testing.answer(inst(), [{"role": "user", "content": "issue"}], {}, wrong=False)
    assert "<test>" in reply and "tests/test_m.py::test_f" in reply and "return 2, " in reply
    compile(reply.split("<test>\n")[1].split("</test>")[0], "repro.py", "exec")
    assert testing.answer(inst(), [{"role": "assistant", "content": reply}], {}, wrong=False).endswith("ACCEPT")
