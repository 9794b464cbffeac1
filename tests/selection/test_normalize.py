"""Parsing unified diffs and normalizing them: same effect on the same files, same text."""

from __future__ import annotations

import pytest

from selection.normalize import PatchParseError, normalize_patch, parse_patch

GIT = """diff --git a/pkg/mod.py b/pkg/mod.py
index 1111111..2222222 100644
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -10,7 +10,7 @@ def total(items):
     values = []
     for item in items:
         values.append(item)
-    return sum(values)
+    return sum(values, start=0)
 
 
 def mean(items):
"""

# The same change as produced by a tool without `diff --git`, with one line of context,
# no section text, and trailing whitespace on the added line.
PLAIN = """--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -12,3 +12,3 @@
         values.append(item)
-    return sum(values)
+    return sum(values, start=0)   
 
"""

# Zero-context form of the same change.
ZERO = """--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -13 +13 @@
-    return sum(values)
+    return sum(values, start=0)
"""

OTHER_FILE = """diff --git a/pkg/aaa.py b/pkg/aaa.py
--- a/pkg/aaa.py
+++ b/pkg/aaa.py
@@ -1,2 +1,3 @@
 import os
+import sys
 
"""


def test_git_and_plain_headers_context_and_trailing_whitespace_normalize_equal() -> None:
    assert normalize_patch(GIT) == normalize_patch(PLAIN) == normalize_patch(ZERO)
    assert "index" not in normalize_patch(GIT) and "def total" not in normalize_patch(GIT)


def test_file_order_does_not_matter() -> None:
    assert normalize_patch(GIT + OTHER_FILE) == normalize_patch(OTHER_FILE + PLAIN)
    text = normalize_patch(GIT + OTHER_FILE)
    assert text.index("pkg/aaa.py") < text.index("pkg/mod.py")


def test_a_different_line_or_text_normalizes_differently() -> None:
    moved = ZERO.replace("@@ -13 +13 @@", "@@ -14 +14 @@")
    changed = ZERO.replace("start=0", "start=1")
    assert len({normalize_patch(ZERO), normalize_patch(moved), normalize_patch(changed)}) == 3


def test_lines_removed_and_re_added_unchanged_are_noise() -> None:
    noisy = """--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -12,2 +12,2 @@
-        values.append(item)
-    return sum(values)
+        values.append(item)
+    return sum(values, start=0)
"""
    assert normalize_patch(noisy) == normalize_patch(ZERO)


def test_whitespace_only_patch_normalizes_to_empty() -> None:
    patch = "--- a/x.py\n+++ b/x.py\n@@ -1,1 +1,1 @@\n-a = 1   \n+a = 1\n"
    assert normalize_patch(patch) == ""
    assert normalize_patch("  \n") == ""


def test_patch_without_git_headers_parses_counts_and_files() -> None:
    parsed = parse_patch(PLAIN + OTHER_FILE)
    assert parsed.paths == ["pkg/aaa.py", "pkg/mod.py"]
    assert (parsed.added, parsed.removed) == (2, 1)


def test_prefixes_missing_on_both_sides_are_kept_as_paths() -> None:
    parsed = parse_patch("--- pkg/mod.py\t2024-01-01 10:00\n+++ pkg/mod.py\t2024-01-02\n@@ -1 +1 @@\n-a\n+b\n")
    assert parsed.paths == ["pkg/mod.py"]
    with_prefix = "--- a/pkg/mod.py\n+++ b/pkg/mod.py\n@@ -1 +1 @@\n-a\n+b\n"
    assert normalize_patch(with_prefix) == normalize_patch("--- pkg/mod.py\n+++ pkg/mod.py\n@@ -1 +1 @@\n-a\n+b\n")


def test_text_around_the_diff_and_a_blank_context_line_without_its_space() -> None:
    patch = "Here is my fix:\n\n" + PLAIN.replace("\n \n", "\n\n") + "\nHope it helps.\n"
    assert normalize_patch(patch) == normalize_patch(PLAIN)


def test_a_diff_line_inside_a_hunk_is_content_not_a_header() -> None:
    # A removed line that looks like a file header ("--- ...") must be read as content.
    patch = "--- a/notes.txt\n+++ b/notes.txt\n@@ -1,2 +1,2 @@\n--- old title\n++++ new title\n keep\n"
    parsed = parse_patch(patch)
    assert len(parsed.files) == 1 and (parsed.added, parsed.removed) == (1, 1)


def test_new_and_deleted_files_with_and_without_git_headers() -> None:
    git_new = "diff --git a/n.py b/n.py\nnew file mode 100644\nindex 0000000..1234567\n--- /dev/null\n+++ b/n.py\n@@ -0,0 +1,2 @@\n+x = 1\n+y = 2\n"
    plain_new = "--- /dev/null\n+++ b/n.py\n@@ -0,0 +1,2 @@\n+x = 1\n+y = 2\n"
    assert normalize_patch(git_new) == normalize_patch(plain_new)
    assert parse_patch(plain_new).files[0].old_path is None
    deleted = "diff --git a/d.py b/d.py\ndeleted file mode 100644\n--- a/d.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n"
    assert normalize_patch(deleted).splitlines() == ["file d.py", "deleted file"]


def test_rename_and_mode_change_without_hunks_are_changes() -> None:
    rename = "diff --git a/old.py b/new.py\nsimilarity index 100%\nrename from old.py\nrename to new.py\n"
    assert normalize_patch(rename).splitlines() == ["file new.py", "rename from old.py"]
    mode = "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"
    assert "mode 100644 -> 100755" in normalize_patch(mode)


def test_missing_newline_at_end_of_file_is_part_of_the_effect() -> None:
    with_eol = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
    without = with_eol + "\\ No newline at end of file\n"
    assert normalize_patch(with_eol) != normalize_patch(without)


def test_hunk_shorter_than_its_header_is_read_with_a_warning() -> None:
    parsed = parse_patch("--- a/x.py\n+++ b/x.py\n@@ -1,5 +1,5 @@\n-a = 1\n+a = 2\n")
    assert (parsed.added, parsed.removed) == (1, 1)
    assert parsed.warnings and "shorter" in parsed.warnings[0]


def test_text_that_is_not_a_diff_raises() -> None:
    with pytest.raises(PatchParseError, match="no file header"):
        parse_patch("I could not fix this issue.\n")
    with pytest.raises(PatchParseError, match="malformed hunk header"):
        parse_patch("--- a/x.py\n+++ b/x.py\n@@ nonsense @@\n-a\n")


def test_crlf_line_endings_normalize_like_lf() -> None:
    assert normalize_patch(ZERO.replace("\n", "\r\n")) == normalize_patch(ZERO)


def test_a_hunk_shorter_than_announced_does_not_swallow_the_next_file() -> None:
    patch = "--- a/x.py\n+++ b/x.py\n@@ -1,9 +1,9 @@\n-a\n+b\n--- a/y.py\n+++ b/y.py\n@@ -1 +1 @@\n-c\n+d\n"
    parsed = parse_patch(patch)
    assert parsed.paths == ["x.py", "y.py"] and (parsed.added, parsed.removed) == (2, 2)


def test_git_quoted_paths_with_octal_escapes() -> None:
    patch = (
        'diff --git "a/dir/caf\\303\\251 x.py" "b/dir/caf\\303\\251 x.py"\n'
        '--- "a/dir/caf\\303\\251 x.py"\n'
        '+++ "b/dir/caf\\303\\251 x.py"\n'
        "@@ -1 +1 @@\n-a\n+b\n"
    )
    assert "\\303" in patch
    assert parse_patch(patch).paths == ["dir/caf\u00e9 x.py"]


def test_sql_comment_lines_that_look_like_headers_stay_content_when_the_counts_say_so() -> None:
    patch = (
        "--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,2 @@\n select 1;\n--- old note\n+++ new note\n"
        "@@ -9 +9 @@\n-x\n+y\n"
    )
    parsed = parse_patch(patch)
    assert parsed.paths == ["q.sql"] and len(parsed.files[0].hunks) == 2
    assert (parsed.added, parsed.removed, parsed.warnings) == (2, 2, [])


def test_normalized_or_text_falls_back_to_the_stripped_text_of_what_is_not_a_diff():
    from selection.normalize import normalized_or_text

    assert normalized_or_text(GIT) == normalize_patch(GIT) == normalized_or_text(PLAIN)
    assert normalized_or_text("  not a diff at all\n") == "not a diff at all"
    with pytest.raises(PatchParseError):
        normalize_patch("  not a diff at all\n")
