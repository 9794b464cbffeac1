"""The view's data extraction as plain functions over literals: timelines, the voting matrix,
candidates, context, damaged files, capping, and escaping what the page embeds."""

from __future__ import annotations

import json

from codefix.view.artefacts import Problems, read_dict, read_rows
from codefix.view.candidates_view import candidates_view, diff_stats
from codefix.view.capping import cap
from codefix.view.context_view import context_view
from codefix.view.embed import data_block, json_for_script, packed_block, page_html
from codefix.view.run_data import funnel
from codefix.view.timeline import timeline
from codefix.view.voting_matrix import voting_matrix

PATCH = "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1 +1,2 @@\n-a = 1\n+a = 2\n+b = 3\n"


def test_a_format_reask_is_marked_with_the_message_that_asked_again():
    record = {"stage": "editing", "status": "submitted", "calls": 3, "format_errors": 1, "messages": [
        {"role": "system", "content": "s"}, {"role": "user", "content": "u"},
        {"role": "assistant", "content": "no blocks here"}, {"role": "user", "content": "No edit. Again."},
        {"role": "assistant", "content": "<<<<<<< SEARCH\na = 1\n=======\na = 2\n>>>>>>> REPLACE"},
        {"role": "user", "content": "Your edits were applied."},
        {"role": "assistant", "content": "ACCEPT"}],
        "steps": [{"call": 1, "format_error": True, "problem": "no edit block"},
                  {"call": 2, "format_error": False, "before": {"exit_code": 2, "output": "x" * 50},
                   "after": {"exit_code": 0, "output": "ok"}, "patch": PATCH, "new_key": [1, 2],
                   "notes": ["read ./m.py as m.py"]},
                  {"call": 3, "format_error": False}]}
    t = timeline(record, limit=20)
    assert [s["call"] for s in t["steps"]] == [1, 2, 3]
    first, second = t["steps"][0], t["steps"][1]
    assert first["format_error"] and first["reask"] == "No edit. Again." and first["problem"] == "no edit block"
    assert second["notes"] == ["read ./m.py as m.py"]
    assert not second["format_error"] and "reask" not in second
    assert second["before"]["exit_code"] == 2 and second["after"]["exit_code"] == 0
    assert second["before"]["output"]["omitted"] == 30 and second["before"]["output"]["size"] == 50
    assert second["patch"]["size"] == len(PATCH)  # capped at 20 characters
    assert second["extra"] == {"new_key": "[1, 2]"}  # unknown step keys are kept, not dropped


def test_a_reply_never_observed_and_a_step_without_its_reply_are_both_shown():
    record = {"status": "running", "messages": [{"role": "user", "content": "u"}, {"role": "assistant", "content": "r1"},
                                                {"role": "user", "content": "o"}, {"role": "assistant", "content": "r2"}],
              "steps": [{"call": 1, "run": {"exit_code": 2, "output": ""}}, {"call": 5, "run": {"exit_code": 0}}]}
    t = timeline(record, limit=100)
    assert t["running"] is True
    assert [(s["call"], s["observed"], s["reply"]) for s in t["steps"]] == [(1, True, "r1"), (2, False, "r2"), (5, True, None)]


def test_timeline_of_garbage_is_empty_not_an_error():
    assert timeline({"messages": "oops", "steps": [None, 3]}, limit=10)["steps"] == []
    assert timeline(None, limit=10)["steps"] == []


def test_voting_matrix_orders_candidates_greys_tests_passing_unedited_and_keeps_the_last_row_of_a_cell():
    rows = [{"candidate": "b", "test": "t1", "outcome": "error"}, {"candidate": "b", "test": "t1", "outcome": "pass"},
            {"candidate": "a", "test": "t1", "outcome": "fail"}, {"candidate": "unedited", "test": "t1", "outcome": "fail"},
            {"candidate": "a", "test": "t2", "outcome": "pass"}, {"candidate": "unedited", "test": "t2", "outcome": "pass"},
            {"candidate": "c", "test": "repo:tests/test_m.py", "outcome": "pass"}, {"bad": 1}]
    m = voting_matrix(rows, ["b", "a"], {"t1": "pair 0", "t2": "pair 1"})
    assert m["candidates"] == ["b", "a", "c"]
    assert [t["label"] for t in m["tests"]] == ["pair 0", "pair 1", "repo:tests/test_m.py"]
    assert [t["passes_unedited"] for t in m["tests"]] == [False, True, False]
    assert m["tests"][2]["repo"] is True
    assert m["cells"] == [["pass", None, None], ["fail", "pass", None], [None, None, "pass"]]
    assert m["passes"] == [1, 0, 1]  # a's pass on t2 proves nothing: t2 passes unedited
    assert voting_matrix([], ["a"], {}) is None


def test_candidates_group_pairs_by_id_in_voting_order_with_winner_and_grades():
    other = PATCH.replace("b = 3", "b = 4")
    keyed = lambda p: "id-" + p[-6:]  # noqa: E731
    proposals = [(keyed(PATCH), PATCH, "pair 0"), (keyed(other), other, "pair 1"), (keyed(PATCH), PATCH, "pair 2"),
                 ("", "", "pair 3")]
    selection = {"winner": "id-" + other[-6:], "finalists": ["id-" + PATCH[-6:], "id-" + other[-6:]],
                 "ranking": [{"id": "id-" + other[-6:], "score": 1, "passes": 1, "counted_tests": 2},
                             {"id": "id-" + PATCH[-6:], "score": 0, "passes": 0, "counted_tests": 2}]}
    out = candidates_view(proposals, selection, {keyed(PATCH): False}, limit=1000, normalize=str.upper)
    assert [c["sources"] for c in out] == [["pair 1"], ["pair 0", "pair 2"]]
    assert [(c["rank"], c["winner"], c["finalist"], c["resolved"]) for c in out] == [(1, True, True, None), (2, False, True, False)]
    assert out[0]["voting"] == {"score": 1, "passes": 1, "counted_tests": 2}
    assert out[1]["patch"] == PATCH.upper()  # the normalized text, what candidates are compared by
    assert diff_stats(PATCH) == {"files": ["m.py"], "added": 2, "removed": 1}


def test_context_marks_gold_files_ranks_and_packing():
    ctx = {"status": "done", "relevance": {"a.py": {"status": "relevant", "summary": "does a", "tokens": 10},
                                           "b.py": {"status": "not_relevant", "tokens": 5}},
           "ranking": ["a.py"], "packed": [{"path": "a.py", "form": "full", "tokens": 12, "text": "x"}],
           "recall": {"gold_files": ["a.py", "c.py"], "missed": ["c.py"], "recall": 0.5}, "config": {"budget_tokens": 100}}
    v = context_view(ctx)
    assert [(f["path"], f["rank"], f["packed"], f["gold"]) for f in v["files"]] == [
        ("a.py", 1, "full", True), ("b.py", None, None, False), ("c.py", None, None, True)]
    assert v["recall"] == 0.5 and v["missed"] == ["c.py"] and v["budget_tokens"] == 100
    assert "text" not in json.dumps(v["files"])
    assert context_view({})["files"] == [] and context_view({})["recall"] is None


def test_damaged_files_are_named_with_the_problem(tmp_path):
    problems = Problems(tmp_path)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "cut.json").write_text('{"stage": "editing", "messages": [{"ro')
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "list.json").write_text("[1]")
    (tmp_path / "rows.jsonl").write_text('{"a": 1}\n{"b": \n[2]\n{"c": 3}\n')
    assert read_dict(tmp_path / "t" / "cut.json", problems) is None
    assert read_dict(tmp_path / "empty.json", problems) is None
    assert read_dict(tmp_path / "list.json", problems) is None
    assert read_dict(tmp_path / "absent.json", problems) is None
    assert read_rows(tmp_path / "rows.jsonl", problems) == [{"a": 1}, {"c": 3}]
    assert problems == ["t/cut.json: damaged: JSON cut short after 38 characters (a write was interrupted?)",
                        "empty.json: damaged: the file is empty",
                        "list.json: damaged: expected a JSON object, found list",
                        "rows.jsonl: damaged: 2 unreadable line(s) skipped (line 2, 3)"]


def test_cap_keeps_head_and_tail():
    assert cap("short", 10) == "short"
    assert cap("0123456789abcdef", 6) == {"head": "0123", "tail": "ef", "omitted": 10, "size": 16}
    assert cap(None, 3) is None


def test_embedded_data_cannot_close_its_script_tag_or_open_a_comment():
    hostile = '</script><script>alert(1)</script><!-- & \u2028 {{JS}}'
    text = json_for_script({"reply": hostile})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"reply": hostile}
    block = data_block('x" onload="y', {"a": 1})
    assert block.startswith('<script type="application/json" id="x&quot; onload=&quot;y">')
    page = page_html("<b>t</b>", [data_block("codefix-run", {"reply": hostile})])
    assert page.count("</script>") == 2  # the data block's and the page script's own
    assert "<title>&lt;b&gt;t&lt;/b&gt;</title>" in page
    assert page.count("// ---- app.js") == 1  # a placeholder inside the data is never filled


def test_a_packed_instance_block_round_trips_and_holds_no_markup():
    import base64
    import gzip
    import re

    data = {"reply": "</script><!-- é " + "x" * 5000}
    block = packed_block("codefix-instance-3", data)
    body = re.fullmatch(r'<script type="application/octet-stream" data-encoding="gzip\+base64" '
                        r'id="codefix-instance-3">([A-Za-z0-9+/=]+)</script>', block).group(1)
    assert json.loads(gzip.decompress(base64.b64decode(body))) == data
    assert len(block) < 500  # compressed


def test_funnel_counts_known_and_unknown():
    rows = [{"recall": 1.0, "coverage": True, "selected": True, "resolved": True},
            {"recall": 0.5, "coverage": "unknown", "selected": True, "resolved": False},
            {"recall": None, "coverage": False, "selected": False, "resolved": None}]
    got = {f["key"]: (f["count"], f["known"]) for f in funnel(rows)}
    assert got == {"instances": (3, 3), "recall": (1, 2), "coverage": (1, 2), "selected": (2, 3), "resolved": (1, 2)}


def test_the_command_names_bad_input_and_renders_an_empty_run(tmp_path, capsys):
    from codefix.cli import main

    assert main(["view", str(tmp_path / "nope")]) == 2
    assert "run directory not found" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["view", str(tmp_path / "empty"), "--instance", "x"]) == 2
    assert "has no instance 'x'" in capsys.readouterr().err
    assert main(["view", str(tmp_path / "empty")]) == 0
    page = (tmp_path / "empty" / "view.html").read_text()
    assert "no instance folders found in this run directory" in page
    assert main(["view", str(tmp_path / "empty")]) == 0  # again: its own view.html is no obstacle


def test_a_folder_that_is_not_a_run_keeps_its_view_html(tmp_path, capsys):
    from codefix.cli import main

    site = tmp_path / "site"
    site.mkdir()
    (site / "view.html").write_text("<html>my own page</html>")
    (site / "notes.txt").write_text("x")
    assert main(["view", str(site)]) == 2
    assert "is not a codefix run" in capsys.readouterr().err
    assert (site / "view.html").read_text() == "<html>my own page</html>"


def test_run_kind_of_an_evaluation_only_run(tmp_path):
    from codefix.view.page import run_data

    (tmp_path / "i1").mkdir()
    (tmp_path / "i1" / "eval.json").write_text(json.dumps({"resolved": True, "status": "resolved"}))
    (tmp_path / "eval_summary.json").write_text(json.dumps({"total": 1, "resolved": 1}))
    data = run_data(tmp_path, "file")
    assert data["summary"]["kind"] == "evaluation"
    assert [(f["key"], f["count"]) for f in data["funnel"]][-1] == ("resolved", 1)
