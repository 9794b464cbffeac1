"""Which file each SEARCH/REPLACE block of a reply edits when a reply holds several (issue 21,
item 1): a block takes the previous block's path only inside one fence with nothing but blank
lines between them; a path written as a sentence, a comment, a Windows path or an XML-ish tag is
read where it is unambiguous; anything else is asked again naming the line, never inherited."""

from __future__ import annotations

import pytest

from agent.edit_parsing import parse_edits
from agent.edits import EditError

B = "<<<<<<< SEARCH\nimport os\n=======\nimport os, sys\n>>>>>>> REPLACE\n"  # an import line both files have
A = "pkg/a.py\n"

READ = [
    ("a sentence naming the second file", f"{A}{B}Then in pkg/b.py:\n\n{B}", ["pkg/a.py", "pkg/b.py"]),
    ("a comment naming it", f"{A}{B}# In pkg/b.py:\n{B}", ["pkg/a.py", "pkg/b.py"]),
    ("a Windows path", f"{A}{B}pkg\\b.py\n{B}", ["pkg/a.py", "pkg/b.py"]),
    ("a blank line between the path and SEARCH", f"{A}{B}pkg/b.py\n\n{B}", ["pkg/a.py", "pkg/b.py"]),
    ("a blank line between the path and SEARCH inside a fence", f"```python\n{A}\n{B}```\n", ["pkg/a.py"]),
    ("XML-ish wrappers", f'<edit file="pkg/a.py">\n{B}</edit>\n<edit file="pkg/b.py">\n{B}</edit>\n',
     ["pkg/a.py", "pkg/b.py"]),
    ("a numbered step naming the file", f"1. Update `pkg/a.py`:\n```python\n{B}```\n2. Then in `pkg/b.py`:\n```python\n{B}```\n",
     ["pkg/a.py", "pkg/b.py"]),
    ("a markdown heading per file", f"### pkg/a.py\n```python\n{B}```\n### pkg/b.py\n```python\n{B}```\n",
     ["pkg/a.py", "pkg/b.py"]),
    ("blocks in one fence with a blank line between", f"```python\n{A}{B}\n{B.replace('os, sys', 'os, re')}```\n",
     ["pkg/a.py", "pkg/a.py"]),
    ("a block restated word for word is one edit", f"```python\n{A}{B}```\nIn full:\n```python\n{A}{B}```\n", ["pkg/a.py"]),
    ("a comment between a fence's path and its first block", f"```python pkg/a.py\n# widen the import\n{B}```\n",
     ["pkg/a.py"]),
]

REASKED = [
    ("unfenced blocks one after the other", f"{A}{B}{B}", "has no file path of its own"),
    ("a prose line between two blocks of one fence", f"```python\n{A}{B}# and the same below\n{B}```\n",
     "'# and the same below', is not one"),
    ("a sentence that mentions a file without naming it as the target", f"{A}{B}This is what pkg/b.py calls:\n{B}",
     "'This is what pkg/b.py calls:', is not one"),
    ("a second fence without a path", f"```python\n{A}{B}```\nAnd:\n```python\n{B}```\n", "has no file path"),
    ("a comment naming one file under a fence naming another", f"```python pkg/a.py\n# In pkg/b.py:\n{B}```\n",
     "names 2 different files"),
]


@pytest.mark.parametrize("reply, paths", [pytest.param(r, p, id=n) for n, r, p in READ])
def test_each_block_edits_the_file_its_reply_names(reply, paths):
    assert [e.path for e in parse_edits(reply)] == paths


@pytest.mark.parametrize("reply, problem", [pytest.param(r, p, id=n) for n, r, p in REASKED])
def test_a_block_whose_path_cannot_be_read_is_asked_again_never_given_the_previous_file(reply, problem):
    with pytest.raises(EditError) as raised:
        parse_edits(reply)
    assert problem in str(raised.value)
