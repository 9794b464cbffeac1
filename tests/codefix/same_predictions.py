"""The predictions `codefix solve` makes on the bundled fixtures with the offline gold double,
recorded before issue 13's configuration rework and checked after it (no behaviour change beyond
the plumbing). `python -m tests.codefix.same_predictions [--out FILE] [SPEC ...]` re-records
tests/data/same_predictions.json from the current code; the test only reads it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
RECORDED = ROOT / "tests" / "data" / "same_predictions.json"
SAMPLES = 3
"""Pairs per solve: with `gold:wrong=0.5` pair 1 of 0-2 is wrong, so two distinct candidates go
through voting and the selection machine."""
SPECS = ("gold", "gold:wrong=0.5")


def fixture_ids() -> list[str]:
    return [json.loads(line)["instance_id"] for line in FIXTURES.read_text().splitlines() if line.strip()]


def solve_prediction(instance_id: str, spec: str, runs_dir: Path, options: tuple[str, ...] = ()) -> dict:
    """What one `codefix solve` (with `options` added) chose: the sha256 of its patch, the method and
    the candidate count; the run is `runs_dir/same`."""
    args = [sys.executable, "-m", "codefix", "solve", "-d", str(FIXTURES), "-i", instance_id, "-m", spec,
            "-n", str(SAMPLES), "-w", "2", "--runs-dir", str(runs_dir), "--run-id", "same", *options]
    env = {**os.environ, "CODEFIX_BASE_IMAGE": os.environ.get("CODEFIX_BASE_IMAGE", "codefix-base:bookworm"),
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"solve {instance_id} -m {spec} failed:\n{proc.stderr[-3000:]}")
    [pred] = [json.loads(line) for line in (runs_dir / "same" / "preds.jsonl").read_text().splitlines()
              if json.loads(line)["instance_id"] == instance_id]
    outcome = json.loads((runs_dir / "same" / instance_id / "solve.json").read_text())
    return {"patch_sha256": hashlib.sha256(pred["model_patch"].encode()).hexdigest(),
            "method": outcome["method"], "candidates": outcome["candidates"]}


def record(specs=SPECS, out: Path = RECORDED) -> dict:
    recorded = json.loads(out.read_text()) if out.is_file() else {}
    for spec in specs:
        for instance_id in fixture_ids():
            with tempfile.TemporaryDirectory() as tmp:
                recorded.setdefault(spec, {})[instance_id] = solve_prediction(instance_id, spec, Path(tmp))
            print(spec, instance_id, recorded[spec][instance_id], file=sys.stderr)
            out.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    return recorded


if __name__ == "__main__":
    args = sys.argv[1:]
    out = Path(args.pop(args.index("--out") + 1)) if "--out" in args else RECORDED
    args = [a for a in args if a != "--out"]
    record(tuple(args) or SPECS, out)
