"""Relevance scan throughput on a real codebase, against the ideal files x delay / concurrency.

Fetches an sdist from PyPI at run time (default: django, whose sdist holds ~2,800 .py files
counting its tests/), commits it to a temporary git repository, and runs the context stage
with `DelayedAnswerTestProvider`: a test-double litellm custom provider that answers every
call after a fixed delay, as a remote model server would. The stage goes through the real
model layer (agent.models.factory.make_model -> litellm.completion). Target: wall time of the scan
within 1.25x of the ideal at 32 in flight. Prints the figures; asserts nothing.

    python benchmarks/relevance_bench.py [--package django] [--delay 1.0] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROVIDER = "codefix-delay"
_PATH = re.compile(r'<file path="([^"]+)"')
_LISTED = re.compile(r"^- `([^`]+)`", re.M)


def delayed_provider(delay: float, relevant_pattern: str):
    """A litellm CustomLLM answering after `delay` seconds (test double, benchmark only)."""
    import litellm
    from litellm import CustomLLM, ModelResponse

    class DelayedAnswerTestProvider(CustomLLM):
        """Relevance: RELEVANT for paths matching a pattern; ranking: the listed order."""

        def __init__(self) -> None:
            super().__init__()
            self.first_ranking_at: float | None = None
            self.calls = 0
            self._lock = threading.Lock()

        def completion(self, *args, **kwargs) -> ModelResponse:
            messages = kwargs.get("messages") or args[1]
            prompt = str(messages[-1]["content"])
            listed = _LISTED.findall(prompt)
            with self._lock:
                self.calls += 1
                if listed and self.first_ranking_at is None:
                    self.first_ranking_at = time.monotonic()
            time.sleep(delay)
            if listed:
                text = "```\n" + "\n".join(listed) + "\n```"
            else:
                found = _PATH.search(prompt)
                path = found.group(1) if found else ""
                text = ("VERDICT: RELEVANT\nSUMMARY: matches the benchmark's pattern."
                        if re.search(relevant_pattern, path) else "VERDICT: NOT RELEVANT")
            prompt_tokens = litellm.token_counter(model="gpt-4o", messages=messages)
            response = ModelResponse(
                choices=[{"message": {"role": "assistant", "content": text}, "index": 0, "finish_reason": "stop"}],
                model=f"{PROVIDER}/fixed",
            )
            response.usage = litellm.Usage(prompt_tokens=prompt_tokens, completion_tokens=12, total_tokens=prompt_tokens + 12)
            return response

    return DelayedAnswerTestProvider()


def fetch_repo(package: str, workdir: Path) -> Path:
    """Download the sdist of `package`, unpack it, and commit it as a git repository."""
    dl = workdir / "dl"
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", package, "-d", str(dl)], check=True)
    archive = next(p for p in dl.iterdir() if p.name.endswith((".tar.gz", ".zip")))
    with tarfile.open(archive) as tar:
        tar.extractall(workdir / "src", filter="data")
    repo = next((workdir / "src").iterdir())
    for cmd in (["init", "-q"], ["add", "-A"], ["-c", "user.name=bench", "-c", "user.email=bench@codefix.invalid", "commit", "-qm", "sdist"]):
        subprocess.run(["git", "-C", str(repo), *cmd], check=True)
    print(f"fetched {archive.name} into {repo}")
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="django")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds each answer takes")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--exclude-tests", action="store_true", help="leave test dirs out, as the stage does by default")
    parser.add_argument("--relevant", default=r"forms/(fields|widgets)\.py$", help="regex of paths answered RELEVANT")
    args = parser.parse_args()

    import litellm

    from agent.context.config import ContextConfig
    from agent.context.files import read_sources
    from agent.context.stage import run_context_stage
    from agent.models.factory import make_model
    from codefix.core.instance import Instance
    from codefix.core.ledger import Ledger
    from codefix.core.store import read_json

    provider = delayed_provider(args.delay, args.relevant)
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": PROVIDER, "custom_handler": provider}]
    model = make_model(f"{PROVIDER}/fixed")

    with tempfile.TemporaryDirectory(prefix="relevance-bench-") as tmp:
        repo = fetch_repo(args.package, Path(tmp))
        config = ContextConfig(concurrency=args.concurrency, exclude_tests=args.exclude_tests)
        t0 = time.monotonic()
        sources = read_sources(repo, extensions=[".py"], exclude_tests=args.exclude_tests,
                               max_file_bytes=config.max_file_bytes)
        files, skipped = sources.files, sources.skipped
        enum_s = time.monotonic() - t0
        inst = Instance(instance_id=f"bench__{args.package}", repo=args.package, base_commit="",
                        problem_statement="Form fields render the wrong widget attributes when ...")
        ledger = Ledger()
        out = Path(tmp) / "context.json"
        start = time.monotonic()
        result = run_context_stage(inst, repo, relevance_model=model, ranking_model=model, ledger=ledger,
                                   out_path=out, config=config)
        end = time.monotonic()
        scan_s = (provider.first_ranking_at or end) - start
        record = read_json(out)
        decisions = record["relevance"]
        ideal = len(files) * args.delay / args.concurrency
        file_tokens = sum(d.get("tokens", 0) for d in decisions.values())
        totals = ledger.totals()
        rerun_calls_before = provider.calls
        run_context_stage(inst, repo, relevance_model=model, ranking_model=model, ledger=Ledger(), out_path=out, config=config)

    reasons: dict[str, int] = {}
    for s in skipped:
        reasons[s.reason] = reasons.get(s.reason, 0) + 1
    print(f"package: {args.package}  .py files: {len(files) + len(skipped)}  read: {len(files)}  "
          f"skipped: {reasons}  (tests/ {'excluded' if args.exclude_tests else 'included'})")
    print(f"enumeration (git ls-tree + cat-file): {enum_s:.2f} s")
    print(f"relevance scan: {scan_s:.1f} s wall at {args.concurrency} in flight, delay {args.delay} s")
    print(f"ideal files x delay / concurrency: {ideal:.1f} s  ->  ratio {scan_s / ideal:.3f} (target <= 1.25)")
    print(f"whole stage incl. {config.rankings} rankings + packing: {end - start:.1f} s, status {result.status}, "
          f"{len(result.packed)} files packed, {result.packed_tokens} tokens")
    print(f"tokens per instance: {file_tokens:,} tokens of file content read; ledger totals: {totals}")
    print(f"model calls: {rerun_calls_before} in the run, {provider.calls - rerun_calls_before} in a rerun")


if __name__ == "__main__":
    main()
