"""Real runs for the view's tests, made on small fixtures with few pairs: a `solve --evaluate` with
the gold model, a `batch` + `evaluate` with `gold:wrong=0.7` (so voting and the selection machine
run), and an `ensemble` of two submissions with selection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
ENV = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
WRONG_IDS = ("codefix-fixtures__ledger-58", "codefix-fixtures__dotenv-219")
GOLD_ID = "codefix-fixtures__verspec-7"
ENSEMBLE_ID = "codefix-fixtures__unitkit-12"


def codefix(*args, timeout=900) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "codefix", *map(str, args)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"codefix {args[0]}: " + proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def fixture_records() -> dict[str, dict]:
    return {r["instance_id"]: r for r in map(json.loads, filter(str.strip, FIXTURES.read_text().splitlines()))}


def make_runs(root: Path) -> dict[str, Path]:
    """{"gold": solve run, "wrong": batch run, "ensemble": ensemble run} under `root`."""
    common = ["--runs-dir", root]
    codefix("solve", "-d", FIXTURES, "-i", GOLD_ID, "-m", "gold", "-n", 1, "-w", 1, "--evaluate", *common, "--run-id", "gold")
    ids = ",".join(WRONG_IDS)
    codefix("batch", "-d", FIXTURES, "--instances", ids, "-m", "gold:wrong=0.7", "-n", 3, "-w", 2, *common, "--run-id", "wrong")
    codefix("evaluate", "-d", FIXTURES, "-p", root / "wrong" / "preds.jsonl", "-w", 2, *common, "--run-id", "wrong")
    recs = fixture_records()
    subs = []
    for name, key in (("alpha", "patch"), ("beta", "wrong_patch")):
        d = root / "submissions" / name
        (d / "results").mkdir(parents=True)
        rec = recs[ENSEMBLE_ID]
        (d / "all_preds.jsonl").write_text(json.dumps({"instance_id": ENSEMBLE_ID, "model_name_or_path": name,
                                                       "model_patch": rec[key]}) + "\n")
        (d / "results" / "results.json").write_text(json.dumps({"resolved": [ENSEMBLE_ID] if key == "patch" else []}))
        subs.append(d)
    codefix("ensemble", *subs, "-d", FIXTURES, "--select", "-m", "gold", *common, "--run-id", "ensemble")
    return {"gold": root / "gold", "wrong": root / "wrong", "ensemble": root / "ensemble"}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
