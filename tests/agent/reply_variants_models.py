"""The reply corpus's shared literals and the variants added for issue 21, written from what
Claude, GPT-5/o-series, Qwen, DeepSeek-R1, Gemini and Llama models send: markdown headings,
tables, XML-ish tags, `diff` fences, trailing explanations, apologies, numbered steps, reasons
after an answer, drafts whose opening the server swallowed, code that holds the tags we read.

Each row is (name, reply, kind, expected): OK rows are read as `expected`; NO rows are asked
again with a message holding `expected` (the reply is ambiguous or wrong); CLEAR rows are replies
a person would read but the readers ask again by a stated rule (avoidable re-asks, counted by
`benchmarks/reply_fidelity_bench.py --corpus`). Used by tests/agent/test_reply_variants.py.
"""

from __future__ import annotations

OK, NO, CLEAR = "ok", "problem", "clear but asked again"

SUMMARY = "Defines clamp(), which the issue says inverts its bounds."
RELEVANT, NOT = (True, SUMMARY), (False, "")
ORDER = ["pkg/util.py", "pkg/core.py", "pkg/io/reader.py"]
RANKED = (ORDER, [])
SCRIPT = "import sys\nfrom pkg.util import clamp\nsys.exit(0 if clamp(5, 0, 3) == 3 else 2)\n"
FIXED = {"pkg/util.py": "def clamp(x, lo, hi):\n    return min(max(x, lo), hi)\n"}
OLD, NEW = "    return max(lo, min(x, hi))\n", "    return min(max(x, lo), hi)\n"


def block(path="pkg/util.py", search=OLD, replace=NEW, n=7, head=None):
    head = f"```python\n{path}\n" if head is None else head
    return f"{head}{'<' * n} SEARCH\n{search}{'=' * n}\n{replace}{'>' * n} REPLACE\n```\n"


def indented_test(script: str = SCRIPT, indent: str = "   ") -> str:
    """A <test> block indented under a markdown list item, as models nest it."""
    return "".join(f"{indent}{line}\n" for line in ["<test>", *script.splitlines(), "</test>"])


RELEVANCE_21 = [
    ("markdown headings (Claude)", f"## Analysis\nThe file defines clamp.\n\n## Answer\nVERDICT: RELEVANT\nSUMMARY: {SUMMARY}",
     OK, RELEVANT),
    ("a table (GPT-5)", f"| Field | Value |\n|---|---|\n| Verdict | **RELEVANT** |\n| Summary | {SUMMARY} |", OK, RELEVANT),
    ("xml-ish tags (Claude)", f"<verdict>RELEVANT</verdict>\n<summary>\n{SUMMARY}\n</summary>", OK, RELEVANT),
    ("bold labels (Qwen)", f"**VERDICT**: RELEVANT\n**SUMMARY**: {SUMMARY}", OK, RELEVANT),
    ("an apology first", "I apologize for the missing verdict.\n\nVERDICT: NOT RELEVANT", OK, NOT),
    ("a trailing offer (Llama)", f"VERDICT: RELEVANT\n\nSUMMARY: {SUMMARY}\n\nLet me know if you need anything else!", OK,
     RELEVANT),
    ("a reason after the negative verdict (GPT-5)", "Final answer:\nVERDICT: NOT RELEVANT — it only re-exports names.", OK, NOT),
    ("numbered steps, then the verdict", f"1. The file defines clamp.\n2. The issue is about clamp.\n\nVERDICT: RELEVANT\n"
     f"SUMMARY: {SUMMARY}", OK, RELEVANT),
    ("R1: the other verdict in a draft whose opening was swallowed", "The file... NOT RELEVANT? It defines clamp.\n</think>\n\n"
     f"VERDICT: RELEVANT\nSUMMARY: {SUMMARY}", OK, RELEVANT),
    ("a summary quoting a closing think tag", "VERDICT: RELEVANT\nSUMMARY: Defines strip(), which drops a reply up to "
     "</think> before reading it.", OK, (True, "Defines strip(), which drops a reply up to </think> before reading it.")),
    ("a summary quoting tags in backticks", "VERDICT: RELEVANT\nSUMMARY: Removes `<think>` … `</think>`", OK,
     (True, "Removes `<think>` … `</think>`")),
    ("relevant with a caveat (Gemini)", f"Verdict: Relevant, but no edit is needed here.\nSummary: {SUMMARY}", OK, RELEVANT),
    ("a self-contradicting verdict", f"VERDICT: RELEVANT (not relevant to the fix itself)\nSUMMARY: {SUMMARY}", NO,
     "contradicts itself"),
    ("both verdicts on one line", f"VERDICT: RELEVANT / NOT RELEVANT\nSUMMARY: {SUMMARY}", NO, "contradicts itself"),
    ("a hedged verdict", "VERDICT: PARTIALLY RELEVANT", NO, "neither RELEVANT nor NOT RELEVANT"),
]

QUOTING = "Defines answer(), which drops the draft like this:\n```python\nreturn text.split('</think>')[-1]\n```"
LISTING = "Two things matter here:\n- clamp() inverts its bounds\n- core.retry() calls it"
RELEVANCE_21 += [  # Audit of issue 21: a summary that announces a quotation keeps it
    ("a summary quoting code that holds a closing think tag (Claude)", f"VERDICT: RELEVANT\nSUMMARY: {QUOTING}\n\n"
     "Let me know if you need more.", OK, (True, QUOTING)),
    ("a summary introducing a bulleted list (GPT-5)", f"VERDICT: RELEVANT\nSUMMARY: {LISTING}", OK, (True, LISTING)),
]

RANKING_21 = [
    ("a notes list after the ranking (Claude)", "## Ranking\n1. pkg/util.py\n2. pkg/core.py\n3. pkg/io/reader.py\n\n"
     "## Notes\n- `docs/conf.py` is not needed", OK, RANKED),
    ("files to leave out after the ranking", "Files to edit:\n- pkg/util.py\n- pkg/core.py\n- pkg/io/reader.py\n\n"
     "Files to leave out:\n- docs/conf.py", OK, RANKED),
    ("tiers under headings (GPT-5)", "### Must edit\n- pkg/util.py\n### Context\n- pkg/core.py\n- pkg/io/reader.py", OK, RANKED),
    ("a path with a line number", "1. pkg/util.py:2 — clamp\n2. pkg/core.py\n3. pkg/io/reader.py", OK, RANKED),
    ("a path with a line anchor and a symbol", "- pkg/util.py#L1-L2\n- pkg/core.py::retry\n- pkg/io/reader.py", OK, RANKED),
    ("a markdown table (GPT-5)", "| Rank | File | Why |\n|---|---|---|\n| 1 | pkg/util.py | clamp |\n| 2 | `pkg/core.py` | "
     "caller |\n| 3 | pkg/io/reader.py | reads |", OK, RANKED),
    ("xml-ish file tags (Claude)", "<files>\n<file>pkg/util.py</file>\n<file>pkg/core.py</file>\n<file>pkg/io/reader.py</file>\n"
     "</files>", OK, RANKED),
    ("a tag around bare lines", "<ranking>\npkg/util.py\npkg/core.py\npkg/io/reader.py\n</ranking>", OK, RANKED),
    ("star bullets with reasons (Gemini)", "Here is the ranking:\n\n*   `pkg/util.py`: holds clamp\n*   `pkg/core.py`: calls it\n"
     "*   `pkg/io/reader.py`", OK, RANKED),
    ("bold entries and a closing offer (Llama)", "The most relevant files are:\n\n1. **pkg/util.py** - defines clamp\n"
     "2. **pkg/core.py** - calls it\n3. **pkg/io/reader.py**\n\nI hope this helps!", OK, RANKED),
    ("a loose numbered list with prose between items", "1. pkg/util.py\nThis holds clamp.\n2. pkg/core.py\n\n"
     "3. pkg/io/reader.py", OK, RANKED),
    ("R1: a draft JSON list whose opening was swallowed", '["pkg/core.py"]\n</think>\n["pkg/util.py", "pkg/core.py", '
     '"pkg/io/reader.py"]', OK, RANKED),
    ("windows separators", "1. pkg\\util.py\n2. pkg\\core.py\n3. pkg\\io\\reader.py", OK, RANKED),
    ("files considered and rejected after the ranking (o-series)", "Relevant:\n- pkg/util.py\n- pkg/core.py\n"
     "- pkg/io/reader.py\n\nFiles I considered but rejected:\n- docs/conf.py", OK, RANKED),
    ("a don't-include list after the ranking", "Include:\n1. pkg/util.py\n2. pkg/core.py\n3. pkg/io/reader.py\n\n"
     "Don't include:\n- docs/conf.py", OK, RANKED),
    ("a JSON object with several lists", '{"edit": ["pkg/util.py"], "read": ["pkg/core.py", "pkg/io/reader.py"]}', NO,
     "JSON object holds 2 lists"),
    ("an unfenced draft order and a final order", "Draft:\n1. pkg/core.py\n2. pkg/util.py\nFinal:\n1. pkg/util.py\n"
     "2. pkg/core.py", NO, "lists that name the same files"),
    ("only lists of files to leave out and notes", "Files to leave out:\n- docs/conf.py\n\nNotes:\n- pkg/core.py is unused",
     NO, "introduced as files to leave out or notes"),
    # Audit of issue 21: headings written in bold or italics instead of with '#' or a colon line.
    ("bold headings, the second over files not needed (Claude)", "**Files to modify:**\n1. pkg/util.py\n2. pkg/core.py\n"
     "3. pkg/io/reader.py\n\n**Not needed:**\n- docs/conf.py", OK, RANKED),
    ("italic headings over star bullets (Gemini)", "*Ranked:*\n* pkg/util.py\n* pkg/core.py\n* pkg/io/reader.py\n\n"
     "*Safe to ignore:*\n* docs/conf.py", OK, RANKED),
    ("bold paths in bullets, then a bold not-relevant heading (GPT-5)", "- **pkg/util.py**: defines clamp\n"
     "- **pkg/core.py**: calls clamp\n- **pkg/io/reader.py**: reads input\n\n**Not relevant**\n- docs/conf.py", OK, RANKED),
    ("underscore-bold headings (Llama)", "__Files to edit__\n1. pkg/util.py\n2. pkg/core.py\n3. pkg/io/reader.py\n\n"
     "__Unrelated__\n- docs/conf.py", OK, RANKED),
    ("a bold closing sentence naming a file to ignore (Claude)", "1. pkg/util.py\n2. pkg/core.py\n3. pkg/io/reader.py\n\n"
     "**docs/conf.py can be ignored.**", OK, RANKED),
    ("bold numbers before each path (Qwen)", "**1.** pkg/util.py\n**2.** pkg/core.py\n**3.** pkg/io/reader.py", OK, RANKED),
    ("a JSON list of objects with a path and a reason (GPT-5)", '```json\n[\n  {"path": "pkg/util.py", "reason": "clamp"},\n'
     '  {"path": "pkg/core.py", "reason": "caller"},\n  {"path": "pkg/io/reader.py"}\n]\n```', OK, RANKED),
    ("an object holding a list of file objects (o-series)", '{"files": [{"file": "pkg/util.py", "why": "clamp"}, '
     '{"file": "pkg/core.py"}, {"file": "pkg/io/reader.py"}]}', OK, RANKED),
    ("file objects, one of them without a path", '[{"path": "pkg/util.py"}, {"reason": "pkg/core.py calls it"}]', NO,
     "no ranking found"),
    ("bold paths without bullets, then notes (DeepSeek)", "**pkg/util.py** — clamp\n**pkg/core.py** — caller\n"
     "**pkg/io/reader.py**\n\nNotes:\n- docs/conf.py is not needed", OK, RANKED),
]

TESTING_21 = [
    ("tags indented in a markdown list", "1. Save this as the script:\n" + indented_test() + "2. Run it.", OK, SCRIPT),
    ("accept with a reason after a dash", "ACCEPT - the script reproduces the bug", OK, "accept"),
    ("bold accept with a reason after an em dash (Claude)", "**ACCEPT** — it exits 2 on the buggy code, as it should.", OK,
     "accept"),
    ("a labelled decision (GPT-5)", "The run shows the inverted bounds.\n\n**Decision:** ACCEPT", OK, "accept"),
    ("an analysis tag, then accept (Claude)", "<analysis>\nThe output shows clamp returning 0.\n</analysis>\n\nACCEPT", OK,
     "accept"),
    ("numbered reasons, then accept", "1. The script imports clamp.\n2. It exits 2 while the bug is there.\n\nACCEPT", OK,
     "accept"),
    ("headings around the script (Gemini)", f"## Reproduction script\n\n<test>\n```python\n{SCRIPT}```\n</test>\n\n"
     "## Expected\nExit code 2 while the bug is present.", OK, SCRIPT),
    ("an apology and a corrected script", "Apologies — the previous script had a syntax error. Here is the corrected one:\n\n"
     f"<test>\n{SCRIPT}</test>", OK, SCRIPT),
    ("a py fence inside the tags (Qwen)", f"<test>\n```py\n{SCRIPT}```\n</test>", OK, SCRIPT),
    ("a quoted diff, then the script", f"The fix would be:\n```diff\n-{OLD}+{NEW}```\nUntil then:\n<test>\n{SCRIPT}</test>",
     OK, SCRIPT),
    ("a script that holds a closing think tag", "<test>\nREPLY = '''\n</think>\nanswer\n'''\nprint(REPLY)\n</test>", OK,
     "REPLY = '''\n</think>\nanswer\n'''\nprint(REPLY)\n"),
    ("an accept that takes itself back", "ACCEPT - but first the script should also check clamp(-1, 0, 3).", NO,
     "neither a <test> … </test> block with a script nor a line reading ACCEPT"),
    ("accept in a sentence (Llama)", "I accept the script as it is.", NO,
     "neither a <test> … </test> block with a script nor a line reading ACCEPT"),
    # Audit of issue 21.
    ("a final-decision label and a bold accept (GPT-5)", "The run shows clamp(5, 0, 3) returning 0.\n\n"
     "Final decision: **ACCEPT**", OK, "accept"),
    ("a first-person label (Llama)", "My decision: ACCEPT", OK, "accept"),
    ("a bold final-decision label with a reason (Claude)", "**Final Decision:** ACCEPT — the script exits 2 on the "
     "buggy code.", OK, "accept"),
    ("a reason in parentheses (Qwen)", "Decision: ACCEPT (the script reproduces the bug)", OK, "accept"),
    ("a check mark after accept (Gemini)", "ACCEPT ✅", OK, "accept"),
    ("an accept taken back on the next line (R1)", "ACCEPT\nWait, the script never imports clamp, so it proves nothing.",
     NO, "neither a <test> … </test> block with a script nor a line reading ACCEPT"),
    ("an accept with its reason on the next line (Claude)", "ACCEPT\n\nThe script exits 2 on the buggy code, as it should.",
     OK, "accept"),
    ("an accept whose parentheses take it back", "ACCEPT (but only after it also checks clamp(-1, 0, 3))", NO,
     "neither a <test> … </test> block with a script nor a line reading ACCEPT"),
]

FILES_21 = {
    "pkg/a.py": "import os\n\nA = os.sep\n",
    "pkg/b.py": "import os\n\nB = os.sep\n",
    "pkg/llm.py": 'def answer(text):\n    return text.split("</think>")[-1]\n',
    "pkg/prompt.py": 'TEMPLATE = """\n<test>\n{script}\n</test>\n"""\n',
}
IMPORT = "<<<<<<< SEARCH\nimport os\n=======\nimport os, sys\n>>>>>>> REPLACE\n"  # a line pkg/a.py and pkg/b.py share
B_EDITED = ({"pkg/b.py": "import os, sys\n\nB = os.sep\n"}, None)
BOTH_EDITED = ({"pkg/a.py": "import os, sys\n\nA = os.sep\n", **B_EDITED[0]}, None)

EDITING_21 = [
    ("a sentence naming the next file", f"pkg/a.py\n{IMPORT}Then in pkg/b.py:\n\n{IMPORT}", OK, BOTH_EDITED),
    ("a comment naming the file (Qwen)", f"```python\n# In pkg/b.py:\n{IMPORT}```", OK, B_EDITED),
    ("a Windows path", f"```python\npkg\\b.py\n{IMPORT}```", OK, B_EDITED),
    ("a blank line between the path and SEARCH", f"pkg/b.py\n\n{IMPORT}", OK, B_EDITED),
    ("xml-ish edit tags (Claude)", f'<edit file="pkg/a.py">\n{IMPORT}</edit>\n<edit file="pkg/b.py">\n{IMPORT}</edit>', OK,
     BOTH_EDITED),
    ("a markdown heading per file (GPT-5)", f"### `pkg/b.py`\n```python\n{IMPORT}```\nThis makes sys available.", OK, B_EDITED),
    ("a bold path and a blank line before the fence", block(head="**pkg/util.py**\n\n```python\n"), OK, (FIXED, None)),
    ("numbered steps naming each file", f"1. Update `pkg/a.py`:\n```python\n{IMPORT}```\n2. Then in `pkg/b.py`:\n```python\n"
     f"{IMPORT}```", OK, BOTH_EDITED),
    ("a trailing explanation and an apology", "Sorry, my last edit swapped the wrong call.\n\n" + block()
     + "\nThis keeps x within [lo, hi] whatever the order of the calls.", OK, (FIXED, None)),
    ("a diff fence around the block (DeepSeek)", block(head="```diff\npkg/util.py\n"), OK, (FIXED, None)),
    ("an edit of a file that holds a closing think tag", block("pkg/llm.py", '    return text.split("</think>")[-1]\n',
     '    return text.rsplit("</think>", 1)[-1]\n'), OK,
     ({"pkg/llm.py": 'def answer(text):\n    return text.rsplit("</think>", 1)[-1]\n'}, None)),
    ("an edit of a file whose lines are test tags", block("pkg/prompt.py", "<test>\n{script}\n</test>\n",
     "<test>\n{script}</test>\n"), OK, ({"pkg/prompt.py": 'TEMPLATE = """\n<test>\n{script}</test>\n"""\n'}, None)),
    ("an indented test in a list next to an edit", block() + "\n1. And the new script:\n" + indented_test(), OK,
     (FIXED, SCRIPT)),
    ("unfenced blocks one after the other", f"pkg/a.py\n{IMPORT}{IMPORT}", NO, "has no file path of its own"),
    ("prose between two blocks of one fence", f"```python\npkg/a.py\n{IMPORT}# the same in the other module\n{IMPORT}```",
     NO, "'# the same in the other module', is not one"),
    ("a replace that elides code with a comment", block(replace="    # ... rest unchanged ...\n" + NEW), NO, "elides code"),
    ("a replace that elides code, C style", block(search="def clamp(x, lo, hi):\n" + OLD,
                                                  replace="def clamp(x, lo, hi):\n    // ... existing code ...\n"),
     NO, "elides code"),
    ("a unified diff instead of blocks (o-series)", "```diff\n--- a/pkg/util.py\n+++ b/pkg/util.py\n@@ -1,2 +1,2 @@\n"
     f" def clamp(x, lo, hi):\n-{OLD}+{NEW}```", NO, "no SEARCH/REPLACE block, no <test> … </test> block and no ACCEPT"),
    # Audit of issue 21.
    ("a Filepath label before the fence (GPT-4o)", block(head="Filepath: pkg/util.py\n```python\n"), OK, (FIXED, None)),
    ("a file_path label inside the fence (Qwen)", block(head="```python\nfile_path: pkg/util.py\n"), OK, (FIXED, None)),
    ("a body left out 'for brevity' (Llama)", block(search="def clamp(x, lo, hi):\n" + OLD,
                                                     replace="def clamp(x, lo, hi, strict=False):\n    # body omitted for brevity\n"),
     NO, "elides code"),
    ("a body marked '(unchanged)' in a C-style comment (Gemini)", block(search="def clamp(x, lo, hi):\n" + OLD,
                                                                        replace="def clamp(x, lo, hi, strict=False):\n"
                                                                                "    /* body (unchanged) */\n"),
     NO, "elides code"),
    ("the same block restated in a closing summary (GPT-5)", block() + "\nTo sum up, the complete change:\n\n" + block(),
     OK, (FIXED, None)),
    ("a step sentence with more words than a lead-in", "1. In `pkg/util.py`, swap the two calls:\n" + block(head="```python\n"),
     CLEAR, "has no file path"),
]

SELECTION_21 = [
    ("a reason naming another candidate", "WINNER: 2 (candidate 3 breaks KWD)", OK, 2),
    ("bold, then a reason naming two others (Claude)", "**WINNER: 2** — candidates 1 and 3 fail the test", OK, 2),
    ("a heading before the winner", "## Decision\n\nWINNER: 3", OK, 3),
    ("an xml-ish winner tag (Claude)", "<analysis>\nOnly 2 passes.\n</analysis>\n<winner>2</winner>", OK, 2),
    ("a labelled final answer (GPT-5)", "Final answer: WINNER: 2", OK, 2),
    ("a table, then the winner (Gemini)", "| Candidate | Passes |\n|---|---|\n| 1 | no |\n| 2 | yes |\n| 3 | no |\n\nWINNER: 2",
     OK, 2),
    ("candidate with a hash", "WINNER: Candidate #2", OK, 2),
    ("an apology, then one winner", "Sorry, I named two winners before.\n\nWINNER: 2", OK, 2),
    ("numbers in the reason", "WINNER: 2 — it is the only one that keeps 1 <= x <= 3", OK, 2),
    ("an indented test in a list", "1. One more check:\n" + indented_test(), OK, SCRIPT),
    ("R1: a draft winner whose opening was swallowed", "Maybe 1... no, 1 fails.\nWINNER: 1?\n</think>\n\nWINNER: 2", OK, 2),
    ("a hedged winner in parentheses", "WINNER: 1 (or 2)", NO, "does not name exactly one candidate"),
    ("two numbers after a comma", "WINNER: 2, 3", NO, "does not name exactly one candidate"),
    # Audit of issue 21.
    ("a final-decision label before the winner (GPT-5)", "Final decision: WINNER: 2", OK, 2),
    ("a bold choice label (Llama)", "**My choice:** WINNER: 3", OK, 3),
    ("a winner taken back in a later sentence (R1)", "WINNER: 2\n\nHmm, on reflection candidate 2 misses the empty "
     "case, so WINNER: 3.", NO, "different winners"),
    ("the winner restated in a sentence (Qwen)", "WINNER: 2\n\nTo repeat, WINNER: 2 is the only one that passes.", OK, 2),
]
