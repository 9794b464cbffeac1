"""Readings for benchmarks/reply_fidelity_bench.py: what the production readers make of a reply
(stage by stage, with the state the reply was read in), and the run's artefacts checked against
what the gold answers meant."""

from __future__ import annotations

import collections
import json
from pathlib import Path

PROBLEM = "asked again"


def journal_records(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def conversation(record: dict) -> tuple:
    meta = record["meta"]
    return (record["instance_id"], record["stage"], meta.get("trajectory"), meta.get("machine"), meta.get("path"),
            meta.get("ranking"))


class Reader:
    """Reads journal records with the production readers, in the fixture's files."""

    def __init__(self, ds, store):
        self.ds, self.store = ds, store
        self._files: dict[str, dict[str, str]] = {}

    def context(self, iid: str) -> dict:
        return json.loads((self.store.instance_dir(iid) / "context.json").read_text())

    def files(self, iid: str) -> dict[str, str]:
        if iid not in self._files:
            root = Path(self.ds.get(iid).source)
            self._files[iid] = {str(p.relative_to(root)): p.read_text(encoding="utf-8")
                                for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
        return self._files[iid]

    def differential(self, records: list[dict]) -> tuple[list[str], int, collections.Counter]:
        """(silent wrong parses, replies read, shape counts): a reshaped reply read unlike the gold
        answer it wraps, or a malformed one read as an answer. Cut replies are the model layer's
        (finish_reason) and are counted, not read."""
        silent, checked, shapes = [], 0, collections.Counter()
        tested: set[tuple] = set()
        for r in sorted(records, key=lambda r: (conversation(r), r["call"])):
            shapes.update(r["shapes"])
            if r["shapes"] == ["truncated"]:
                continue
            key = conversation(r)
            checked += 1
            noisy, clean = self.reading(r, r["reply"], key in tested), self.reading(r, r["clean"], key in tested)
            if r["malformed"] and noisy != PROBLEM:
                silent.append(f"{key} call {r['call']}: malformed {r['shapes']} read as {str(noisy)[:120]}")
            elif not r["malformed"] and noisy != clean:
                silent.append(f"{key} call {r['call']}: {r['shapes']} read as {str(noisy)[:120]}, meant {str(clean)[:120]}")
            if r["stage"] == "selection" and not r["malformed"] and "<test>" in r["clean"]:
                tested.add(key)
        return silent, checked, shapes

    def reading(self, r: dict, text: str, tested: bool):
        from agent.context.ranking import parse_ranking
        from agent.context.relevance import MalformedAnswer, parse_relevance
        from agent.reply_parsing import ReplyProblem

        stage, iid = r["stage"], r["instance_id"]
        try:
            if stage == "relevance":
                return parse_relevance(text)
            if stage == "ranking":
                known = {p for p, d in self.context(iid)["relevance"].items() if d.get("status") == "relevant"}
                return parse_ranking(text, known)
            if stage == "testing":
                return self._testing(text, r["call"] > 0)
            if stage == "editing":
                return self._editing(iid, text, accepting="SEARCH" not in r["clean"])
            if stage == "selection":
                return self._selection(iid, text, tested)
        except (ReplyProblem, MalformedAnswer):
            return PROBLEM
        raise ValueError(f"no reader for stage {stage}")

    def _testing(self, text: str, ran: bool):
        from agent.testing_machine import TestingTask

        task = TestingTask("issue")
        if ran:
            task.restore({"script": "print(0)\n", "exit_code": 2})
        script = task.read(text)
        return "ACCEPT" if script is None else script

    def _editing(self, iid: str, text: str, accepting: bool):
        from agent.editing_machine import EditingTask
        from agent.reply_parsing import ReplyProblem
        from tests.agent.fakes import DictSandbox

        files = self.files(iid)
        task = EditingTask("issue", "print(0)\n", "ctx")
        if accepting:  # an earlier turn applied edits
            task.restore({"originals": {"earlier.py": None}, "files": {"earlier.py": "x = 1\n"}})
        step = task.observe(text, DictSandbox(files))
        problem = step.outputs.get("problem") or step.outputs.get("rejected")
        if problem:
            raise ReplyProblem(problem)
        if step.finished:
            return "ACCEPT"
        return {p: t for p, t in task.files.items() if t != files.get(p)}, task.test

    def _selection(self, iid: str, text: str, tested: bool):
        from selection.candidates import Candidate
        from selection.selection_machine import SelectionTask

        sel = json.loads((self.store.instance_dir(iid) / "selection.json").read_text())
        cands = [Candidate(id=str(i), patch="d\n") for i in range(len(sel.get("finalists") or []) or 2)]
        task = SelectionTask("issue", cands, files={}, example_test="", apply_patch=lambda s, p: None)
        if tested:
            task.restore({"tests": ["print(0)\n"]})
        script, number = task.read(text)
        return script if script is not None else number

    def context_reasks(self, ids: list[str]) -> dict:
        out = collections.Counter()
        for iid in ids:
            ctx = self.context(iid)
            for decision in ctx["relevance"].values():
                out["files"] += 1
                out["relevance"] += max(0, int(decision.get("attempts") or 1) - 1)
            for ranking in ctx.get("rankings") or []:
                out["rankings"] += 1
                out["ranking"] += max(0, int(ranking.get("attempts") or 1) - 1)
        return out

    def results(self, ids: list[str], wrong_fraction: float) -> list[str]:
        """What the artefacts hold against what the gold answers meant (`wrong_fraction` of the
        trajectories meant the wrong patch). Patches are compared by the files they produce."""
        from agent.models.test_doubles.gold import is_wrong
        from agent.models.test_doubles.gold_answers.testing import reproduction_script

        problems = []
        for iid in ids:
            inst, out = self.ds.get(iid), self.store.instance_dir(iid)
            files = self.files(iid)
            gold_files = {line.split(" b/")[-1] for line in inst.patch.splitlines() if line.startswith("diff --git ")}
            for path, d in self.context(iid)["relevance"].items():
                if (d.get("status") == "relevant") != (path in gold_files):
                    problems.append(f"{iid}: relevance of {path} is {d.get('status')}")
            for ranking in self.context(iid).get("rankings") or []:
                if ranking.get("paths") and set(ranking["paths"][: len(gold_files)]) != gold_files:
                    problems.append(f"{iid}: ranking {ranking.get('index')} puts {ranking['paths']} first")
            for path in sorted((out / "trajectories").glob("*.traj.json")):
                rec = json.loads(path.read_text())
                pair, result = rec["meta"].get("trajectory"), rec.get("result") or {}
                if rec["stage"] == "testing" and result.get("test") != reproduction_script(inst):
                    problems.append(f"{iid}: pair {pair}'s reproduction test is not the one meant")
                if rec["stage"] == "editing":
                    meant = inst.wrong_patch if is_wrong(pair, wrong_fraction) else inst.patch
                    if post_image(files, result.get("patch") or "") != post_image(files, meant):
                        problems.append(f"{iid}: pair {pair}'s patch does not produce the files meant")
            chosen = json.loads((out / "solve.json").read_text()).get("patch") or ""
            if post_image(files, chosen) != post_image(files, inst.patch):
                problems.append(f"{iid}: the chosen patch does not produce the gold patch's files")
        return problems


def post_image(files: dict[str, str], patch: str) -> dict[str, str] | str:
    """The files `patch` touches, after `git apply` on `files` (an independent applier); the
    error text when it does not apply."""
    import subprocess
    import tempfile

    if not patch.strip():
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        proc = subprocess.run(["git", "apply", "--numstat", "--summary", "-"], input=patch.encode(), cwd=root,
                              capture_output=True)
        touched = [line.split("\t")[-1] for line in proc.stdout.decode().splitlines() if "\t" in line]
        proc = subprocess.run(["git", "apply", "-"], input=patch.encode(), cwd=root, capture_output=True)
        if proc.returncode:
            return proc.stderr.decode()
        return {p: (root / p).read_text(encoding="utf-8") if (root / p).exists() else None for p in touched}
