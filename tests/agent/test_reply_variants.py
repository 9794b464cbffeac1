"""Realistic reply variants, table-driven, through the real readers of every stage (relevance,
ranking) and the real machines (testing, editing, selection, on a dict-backed sandbox): every
variant is either read as the answer it means, or re-asked with a message that names what to
fix. None is accepted as something else.

Rows of kind OK must be read as shown, rows of kind NO must be asked again (the reply is
ambiguous or wrong), and rows of kind CLEAR are replies a person would read but the readers ask
again by a stated rule (the avoidable re-asks `benchmarks/reply_fidelity_bench.py --corpus`
counts). Rows after each `# issue 21` comment were written from what Claude, GPT-5/o-series,
Qwen, DeepSeek-R1, Gemini and Llama models send."""

from __future__ import annotations

import pytest

from agent.context.ranking import parse_ranking
from agent.context.relevance import MalformedAnswer, parse_relevance
from agent.editing_machine import EditingTask
from agent.reply_parsing import ReplyProblem
from agent.testing_machine import TestingTask
from selection.candidates import build_pool
from selection.selection_machine import SelectionTask
from tests.agent.fakes import DictSandbox
from tests.agent.reply_variants_models import (CLEAR, EDITING_21, FILES_21, FIXED, NEW, NO, NOT, OK, OLD, ORDER, RANKED,
                                               RANKING_21, RELEVANCE_21, RELEVANT, SCRIPT, SELECTION_21, SUMMARY,
                                               TESTING_21, block)


# ---------------------------------------------------------------- relevance

RELEVANCE = [
    ("plain", f"VERDICT: RELEVANT\nSUMMARY: {SUMMARY}", OK, RELEVANT),
    ("prose and bold", f"The file defines clamp.\n\n**Verdict:** Relevant\n**Summary:** {SUMMARY}", OK, RELEVANT),
    ("summary on the verdict line", f"VERDICT: RELEVANT - SUMMARY: {SUMMARY}", OK, RELEVANT),
    ("lower case", f"verdict: relevant\nsummary: {SUMMARY}", OK, RELEVANT),
    ("summary on the next line", f"VERDICT: RELEVANT\nSUMMARY:\n{SUMMARY}\n", OK, RELEVANT),
    ("not_relevant", "Verdict: NOT_RELEVANT", OK, NOT),
    ("irrelevant", "It only imports the module.\nverdict: irrelevant", OK, NOT),
    ("bare last line", "Nothing here touches clamping.\n\n**NOT RELEVANT**", OK, NOT),
    ("bare verdict then prose", "**NOT RELEVANT**\n\nIt only imports the module.", OK, NOT),
    ("think with the opposite verdict", f"<think>\nVERDICT: NOT RELEVANT?\n</think>\nVERDICT: RELEVANT\nSUMMARY: {SUMMARY}", OK, RELEVANT),
    ("server-swallowed think opening", "Maybe VERDICT: RELEVANT... no.\n</think>\nVERDICT: NOT RELEVANT", OK, NOT),
    ("crlf", f"VERDICT: RELEVANT\r\nSUMMARY: {SUMMARY}\r\n", OK, RELEVANT),
    ("no verdict", "I think this file matters.", NO, "no 'VERDICT:' line"),
    ("undecided", "VERDICT: maybe", NO, "neither RELEVANT nor NOT RELEVANT"),
    ("relevant without summary", "VERDICT: RELEVANT", NO, "needs a 'SUMMARY:' line"),
    ("two verdicts", f"VERDICT: NOT RELEVANT\nHmm.\nVERDICT: RELEVANT\nSUMMARY: {SUMMARY}", NO, "both verdicts"),
    ("only an unfinished draft", "<think>\nThe file defines clamp, so VERDICT: RELEV", NO, "only an unfinished reasoning draft"),
] + RELEVANCE_21

# ------------------------------------------------------------------ ranking

KNOWN = {"pkg/util.py", "pkg/core.py", "pkg/io/reader.py", "docs/conf.py"}
RANKING = [
    ("fenced lines", "```\npkg/util.py\npkg/core.py\npkg/io/reader.py\n```", OK, RANKED),
    ("multi-line json", 'Ranking:\n```json\n[\n  "pkg/util.py",\n  "pkg/core.py",\n  "pkg/io/reader.py"\n]\n```', OK, RANKED),
    ("inline json", '["pkg/util.py", "pkg/core.py", "pkg/io/reader.py"]', OK, RANKED),
    ("json with a trailing comma", '```json\n["pkg/util.py", "pkg/core.py", "pkg/io/reader.py",]\n```', OK, RANKED),
    ("json object", '{"ranking": ["pkg/util.py", "pkg/core.py", "pkg/io/reader.py"]}', OK, RANKED),
    ("single quotes", "['pkg/util.py', 'pkg/core.py', 'pkg/io/reader.py']", OK, RANKED),
    ("numbered with reasons", "1. `pkg/util.py` - holds clamp\n2. **pkg/core.py**: calls it\n3. pkg/io/reader.py (40 tokens)", OK, RANKED),
    ("bulleted with prefixes", "- ./pkg/util.py\n  - the buggy function\n- a/pkg/core.py\n- /testbed/pkg/io/reader.py", OK, RANKED),
    ("think draft with another order", "<think>\n```\npkg/core.py\n```\n</think>\n```\npkg/util.py\npkg/core.py\npkg/io/reader.py\n```", OK, RANKED),
    ("crlf", "```\r\npkg/util.py\r\npkg/core.py\r\npkg/io/reader.py\r\n```\r\n", OK, RANKED),
    ("swallowed think opening with a draft block", "Draft:\n```\npkg/core.py\n```\n</think>\n```\npkg/util.py\npkg/core.py\n"
     "pkg/io/reader.py\n```", OK, RANKED),
    ("dotted module names", "1. pkg.util\n2. pkg.core\n3. pkg.io.reader", OK, RANKED),
    ("one invented path is dropped", "```\npkg/util.py\npkg/ghost.py\npkg/core.py\npkg/io/reader.py\n```", OK, (ORDER, ["pkg/ghost.py"])),
    ("a repeated identical ranking", "```\npkg/util.py\n```\nSo:\n```\npkg/util.py\n```", OK, (["pkg/util.py"], [])),
    ("two different rankings", "Draft:\n```\npkg/core.py\npkg/util.py\n```\nFinal:\n```\npkg/util.py\npkg/core.py\n```", NO, "2 different rankings"),
    ("unclosed fence", "```\npkg/util.py\npkg/core.py", NO, "not closed (was it cut off?)"),
    ("unclosed json", '[\n  "pkg/util.py",\n  "pkg/core.py",', NO, "JSON list is not closed"),
    ("mostly invented", "```\nsrc/pkg/util.py\nsrc/pkg/core.py\npkg/io/reader.py\n```", NO, "2 of the 3 entries of your ranking name no file"),
    ("only invented", "```\nlib/nothing.py\n```", NO, "no entry of your ranking is a path from the list"),
    ("mostly unknown module names", "```\npkg.util\npkg.helpers\npkg.models\n```", NO, "2 of the 3 entries"),
    ("no ranking", "These all look important to me.", NO, "no ranking found"),
] + RANKING_21

# ------------------------------------------------------------------ testing

QUOTE = "The issue shows:\n```python\nclamp(5, 0, 3)\n```\n"
TESTING = [
    ("tagged", f"<test>\n{SCRIPT}</test>", OK, SCRIPT),
    ("prose around", f"Here is a script.\n\n<test>\n{SCRIPT}</test>\n\nIt exits 2 while the bug is there.", OK, SCRIPT),
    ("fence inside the tags", f"<test>\n```python\n{SCRIPT}```\n</test>", OK, SCRIPT),
    ("quoted snippet before", f"{QUOTE}\n<test>\n{SCRIPT}</test>", OK, SCRIPT),
    ("think draft holding a test", f"<think>\n<test>\nprint('draft')\n</test>\n</think>\n<test>\n{SCRIPT}</test>", OK, SCRIPT),
    ("server-swallowed think opening", f"a draft: ```python\nx\n```\n</think>\n<test>\n{SCRIPT}</test>", OK, SCRIPT),
    ("crlf", f"<test>\r\n{SCRIPT.replace(chr(10), chr(13) + chr(10))}</test>\r\n", OK, SCRIPT),
    ("a script whose text holds think tags", "<test>\nXML = '<x/>'\n<think>\n</think>\n</test>", OK,
     "XML = '<x/>'\n<think>\n</think>\n"),
    ("accept", "The verdict is right.\n\nACCEPT", OK, "accept"),
    ("accept quoting a snippet", f"{QUOTE}\nThe script checks exactly this.\n\n**ACCEPT**", OK, "accept"),
    ("accept with a dot", "ACCEPT.", OK, "accept"),
    ("accept and a new script", f"<test>\n{SCRIPT}</test>\nACCEPT", NO, "both says ACCEPT and sends a new script"),
    ("two scripts", f"<test>\nprint(1)\n</test>\n<test>\n{SCRIPT}</test>", NO, "2 <test> blocks; send exactly one"),
    ("untagged script", f"```python\n{SCRIPT}```", NO, "not inside <test> … </test> tags"),
    ("unclosed tag", f"<test>\n{SCRIPT}", NO, "<test> block is not closed"),
    ("empty tag", "<test>\n</test>", NO, "<test> block is empty"),
    ("nothing", "I need to think more about this.", NO, "neither a <test> … </test> block with a script nor a line reading ACCEPT"),
    ("only an unfinished draft", "<think>\nThe script should import clamp and", NO, "only an unfinished reasoning draft"),
] + TESTING_21
TESTING_FRESH = [("accept before any run", "ACCEPT", NO, "no script has run yet")]

# ------------------------------------------------------------------ editing

FILES = {
    "pkg/util.py": "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n",
    "pkg/core.py": "def retry(fn):\n    max_retries = 1\n    for _ in range(max_retries):\n        fn()\n",
    "pkg/dup.py": "x = 1\ny = 2\nx = 1\n",
    "pkg/win.py": "A = 1\r\nB = 2\r\n",
    **FILES_21,
}


MARKED = 'CONFLICT = """\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n"""\n'
EDITING = [
    ("canonical", block(), OK, (FIXED, None)),
    ("path in the info string", block(head="```python pkg/util.py\n"), OK, (FIXED, None)),
    ("path bold before the fence", block(head="**pkg/util.py**\n```python\n"), OK, (FIXED, None)),
    ("path on the SEARCH line", "```\n<<<<<<< SEARCH pkg/util.py\n" + block(head="")[len("<<<<<<< SEARCH\n"):], OK, (FIXED, None)),
    ("./ prefix", block("./pkg/util.py"), OK, (FIXED, None)),
    ("a/ prefix", block("a/pkg/util.py"), OK, (FIXED, None)),
    ("absolute /testbed path", block("/testbed/pkg/util.py"), OK, (FIXED, None)),
    ("5-character markers", block(n=5), OK, (FIXED, None)),
    ("9-character markers", block(n=9), OK, (FIXED, None)),
    ("dedented block", block(search=OLD.lstrip(), replace=NEW.lstrip()), OK, (FIXED, None)),
    ("trailing spaces", block(search=OLD.rstrip("\n") + "   \n"), OK, (FIXED, None)),
    ("crlf reply", block().replace("\n", "\r\n"), OK, (FIXED, None)),
    ("think draft with another edit", "<think>\n" + block(replace="    return lo\n") + "</think>\n" + block(), OK, (FIXED, None)),
    ("quoted snippet is not a test", QUOTE + block(), OK, (FIXED, None)),
    ("swallowed think opening with a draft edit", block(replace="    return lo\n") + "</think>\n" + block(), OK, (FIXED, None)),
    ("crlf file", block("pkg/win.py", "B = 2\n", "B = 3\n"), OK, ({"pkg/win.py": "A = 1\r\nB = 3\r\n"}, None)),
    ("edit and a new test", block() + f"\n<test>\n{SCRIPT}</test>", OK, (FIXED, SCRIPT)),
    ("new test only", f"The test was wrong.\n<test>\n{SCRIPT}</test>", OK, ({}, SCRIPT)),
    ("a test whose text holds SEARCH markers", f"<test>\n{MARKED}</test>", OK, ({}, MARKED)),
    ("substring of a line", block("pkg/core.py", "retries = 1\n", "retries = 5\n"), NO, "SEARCH text was not found in pkg/core.py"),
    ("accept with edits", block() + "\nACCEPT", NO, "both says ACCEPT and carries SEARCH/REPLACE edits"),
    ("new file under a diff prefix", block("a/pkg/new.py", "", "X = 1\n"), NO, "looks like a diff prefix"),
    ("edit inside .git", block(".git/config", "", "[core]\n"), NO, "inside .git/"),
    ("no path", block(head="```python\n"), NO, "has no file path"),
    ("ambiguous search", block("pkg/dup.py", "x = 1\n", "x = 3\n"), NO, "matches 2 places in pkg/dup.py"),
    ("cut before REPLACE", "```python\npkg/util.py\n<<<<<<< SEARCH\n" + OLD + "=======\n    return min(", NO, "lacks its >>>>>>> REPLACE line"),
    ("untagged test only", f"```python\n{SCRIPT}```", NO, "not inside <test> … </test> tags"),
    ("nothing usable", "Let me think about the bounds.", NO, "no SEARCH/REPLACE block, no <test> … </test> block and no ACCEPT"),
    ("two tests", block() + "<test>\nprint(1)\n</test>\n<test>\nprint(2)\n</test>", NO, "2 <test> blocks"),
    ("accept before any edit", "ACCEPT", NO, "no edit has been applied yet"),
] + EDITING_21

# ---------------------------------------------------------------- selection

DIFF = "diff --git a/pkg/util.py b/pkg/util.py\n--- a/pkg/util.py\n+++ b/pkg/util.py\n@@ -1,2 +1,2 @@\n def clamp(x, lo, hi):\n"
PATCHES = [DIFF + "-" + OLD + "+" + NEW, DIFF + "-" + OLD + "+    return lo\n", DIFF + "-" + OLD + "+    return hi\n"]
SELECTION = [
    ("plain winner", "WINNER: 2", OK, 2),
    ("bold winner with the word candidate", "Candidate 3 is simplest.\n**WINNER:** candidate 3", OK, 3),
    ("winner with a reason", "WINNER: #1 (it keeps the bounds order)", OK, 1),
    ("think holding another winner", "<think>\nWINNER: 1?\n</think>\nWINNER: 2", OK, 2),
    ("lower-case winner", "winner: 2", OK, 2),
    ("a new test", f"One more check.\n<test>\n{SCRIPT}</test>", OK, SCRIPT),
    ("a test after a quoted diff", f"```diff\n+{NEW}```\n<test>\n{SCRIPT}</test>", OK, SCRIPT),
    ("winner and a test", f"<test>\n{SCRIPT}</test>\nWINNER: 1", NO, "both names a WINNER and sends a new test"),
    ("two winners", "WINNER: 1\nActually:\nWINNER: 3", NO, "2 different winners"),
    ("no such number", "WINNER: 4", NO, "one candidate number from 1 to 3"),
    ("a hex id", "WINNER: 5499a0ea43d7", NO, "one candidate number from 1 to 3"),
    ("two numbers on the line", "WINNER: 1 or 2", NO, "does not name exactly one candidate"),
    ("accept instead of a winner", "ACCEPT", NO, "ACCEPT is not an answer here"),
    ("nothing", "They all look fine.", NO, "neither a <test> … </test> block nor a line WINNER"),
    ("untagged test", f"```python\n{SCRIPT}```", NO, "not inside <test> … </test> tags"),
] + SELECTION_21
SELECTION_FRESH = [("a winner before any test", "WINNER: 1", NO, "only after at least one of your tests has run")]


def read_relevance(reply):
    return parse_relevance(reply)


def read_ranking(reply):
    return parse_ranking(reply, KNOWN)


def read_testing(reply, *, ran=True):
    task = TestingTask("clamp inverts bounds")
    if ran:
        task.restore({"script": "print(0)\n", "exit_code": 2})
    script = task.read(reply)
    return "accept" if script is None else script


def read_editing(reply, *, edited=False):
    """(changed files, new test or None) after the machine observed `reply`; ReplyProblem with the
    machine's message when it re-asked or rejected."""
    sandbox = DictSandbox(FILES, exit_code=0)
    task = EditingTask("clamp inverts bounds", "print(0)\n", "ctx")
    step = task.observe(reply, sandbox)
    problem = step.outputs.get("problem") or step.outputs.get("rejected")
    if problem:
        raise ReplyProblem(problem)
    changed = {p: t for p, t in task.files.items() if t != FILES.get(p)}
    return changed, (task.test if task.test != "print(0)\n" else None)


def read_selection(reply, *, tested=True):
    pool = build_pool("x__y-1", [(p, str(i), []) for i, p in enumerate(PATCHES)])
    by_patch = {c.patch: c for c in pool.candidates}
    task = SelectionTask("clamp inverts bounds", [by_patch[p] for p in PATCHES], files={}, example_test="",
                         apply_patch=lambda sandbox, patch: None)
    if tested:
        task.restore({"tests": ["print(0)\n"]})
    script, number = task.read(reply)
    return script if script is not None else number


def test_the_variant_table_is_large_and_covers_every_stage():
    tables = [RELEVANCE, RANKING, TESTING + TESTING_FRESH, EDITING, SELECTION + SELECTION_FRESH]
    assert sum(map(len, tables)) >= 60 and all(len(t) >= 10 for t in tables)
    assert all(any(row[2] == NO for row in t) and any(row[2] == OK for row in t) for t in tables)


CASES = (
    [pytest.param(read_relevance, r, k, e, id=f"relevance: {n}") for n, r, k, e in RELEVANCE]
    + [pytest.param(read_ranking, r, k, e, id=f"ranking: {n}") for n, r, k, e in RANKING]
    + [pytest.param(read_testing, r, k, e, id=f"testing: {n}") for n, r, k, e in TESTING]
    + [pytest.param(lambda r: read_testing(r, ran=False), r, k, e, id=f"testing: {n}") for n, r, k, e in TESTING_FRESH]
    + [pytest.param(read_editing, r, k, e, id=f"editing: {n}") for n, r, k, e in EDITING]
    + [pytest.param(read_selection, r, k, e, id=f"selection: {n}") for n, r, k, e in SELECTION]
    + [pytest.param(lambda r: read_selection(r, tested=False), r, k, e, id=f"selection: {n}") for n, r, k, e in SELECTION_FRESH]
)


@pytest.mark.parametrize("read, reply, kind, expected", CASES)
def test_a_reply_is_read_as_meant_or_asked_again_with_what_to_fix(read, reply, kind, expected):
    if kind == OK:
        assert read(reply) == expected
        return  # NO and CLEAR rows are asked again, naming the problem
    with pytest.raises((ReplyProblem, MalformedAnswer)) as problem:
        read(reply)
    assert expected in str(problem.value)


def test_the_corpus_score_counts_each_kind_of_reading():
    from agent.reply_parsing import ReplyProblem
    from benchmarks.reply_corpus import outcome

    def reader(reply):
        if reply == "unclear":
            raise ReplyProblem("unclear")
        return reply

    assert outcome(reader, "a", OK, "a") == "correct"
    assert outcome(reader, "b", OK, "a") == "silent wrong"
    assert outcome(reader, "unclear", OK, "a") == "avoidable re-ask"
    assert outcome(reader, "unclear", CLEAR, "a") == "avoidable re-ask"
    assert outcome(reader, "unclear", NO, "a") == "warranted re-ask"
    assert outcome(reader, "a", NO, "a") == "silent wrong"
