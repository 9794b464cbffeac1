"""The one diff reader (codefix/core/unified_diff.py): the safety checks' header paths, the context
stage's gold files and the test-patch reset all read diffs through it."""

from __future__ import annotations

from agent.context.recall import patch_files
from codefix.core.diff_paths import touched_paths
from codefix.core.unified_diff import header_paths, parse_patch

SPACED = ('diff --git a/my file.py b/my file.py\n--- a/my file.py\n+++ b/my file.py\n'
          "@@ -1 +1 @@\n-a\n+b\n")


def test_a_header_line_standing_alone_still_names_a_path_for_the_safety_checks() -> None:
    patch = "diff --git a/x.py b/x.py\n--- ../../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n"
    assert touched_paths(patch) == ["a/x.py", "b/x.py", "../../etc/passwd"]
    assert header_paths("+++ /tmp/evil\n") == ["/tmp/evil"]
    assert header_paths("not a diff at all\n@@ nonsense\n") == []


def test_header_lines_inside_a_hunk_are_content() -> None:
    patch = "--- a/x.sql\n+++ b/x.sql\n@@ -1,3 +1,2 @@\n--- /etc/passwd\n+++ /etc/shadow\n keep\n"
    assert header_paths(patch) == ["a/x.sql", "b/x.sql"]
    assert parse_patch(patch).paths == ["x.sql"]


def test_quoted_paths_and_renames_are_read_once_for_every_reader() -> None:
    quoted = 'diff --git "a/q\\"uote\\303\\251.py" "b/q\\"uote\\303\\251.py"\n'
    assert header_paths(quoted) == ['a/q"uoteé.py', 'b/q"uoteé.py']
    rename = "diff --git a/old.py b/new.py\nsimilarity index 100%\nrename from old.py\nrename to new.py\n"
    assert header_paths(rename) == ["a/old.py", "b/new.py", "old.py", "new.py"]
    assert parse_patch(rename).paths == ["new.py"]


def test_the_gold_files_of_a_patch_keep_paths_with_spaces() -> None:
    assert patch_files(SPACED) == ["my file.py"]
    assert patch_files("no diff here") == []
