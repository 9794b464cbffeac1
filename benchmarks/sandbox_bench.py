"""Sandbox overhead and the value of reusing a container, on a bundled fixture.

    python benchmarks/sandbox_bench.py [--instance ID] [--reps 20]

(a) raw docker-py `exec_run("true")`, (b) `DockerSandbox.run("true")`,
(c) reset + apply the gold and test patches (one diff) + run a FAIL_TO_PASS test in one reused
container, (d) the same in a fresh container per run (the published design).
Prints medians and the ratios (b)/(a) (target <= 1.2) and (d)/(c) (target >= 3).
Needs a Docker engine; local images build from $CODEFIX_BASE_IMAGE (default python:3.11-slim).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def timed(fn, reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="codefix-fixtures__invoicing-1")
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()

    import docker

    from codefix.core.datasets import load_dataset
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.images.images import build_local_image, sandbox_config_for
    from sandbox.docker.patching import apply_patch

    inst = load_dataset(ROOT / "data" / "fixtures.jsonl").get(args.instance)
    client = docker.from_env(timeout=120)
    tag, commit = build_local_image(inst, client=client)
    config = sandbox_config_for(inst.model_copy(update={"image": tag, "base_commit": commit}))
    test = inst.FAIL_TO_PASS[0]
    command = f"python3 -m pytest -q -p no:cacheprovider {test!r}"

    both = inst.patch + inst.test_patch  # the fix and the test that shows it, as one diff

    def attempt(sb) -> None:
        apply_patch(sb, both)
        result = sb.run(command, timeout=120)
        assert result.exit_code == 0, result.output[-500:]

    with DockerSandbox(config, client=client) as sb:
        raw, ours = [], []
        for _ in range(args.reps):  # interleaved, so load changes on the machine hit both alike
            raw += timed(lambda: sb.container.exec_run(["true"]), 1)
            ours += timed(lambda: sb.run("true"), 1)
        resets = timed(sb.reset, args.reps)
        writes = timed(lambda: sb.write_file("/tmp/bench.txt", "x" * 2000), args.reps)
        tests = timed(lambda: sb.run(command, timeout=120), args.reps)
        reused = timed(lambda: (sb.reset(), attempt(sb)), args.reps)

    def fresh() -> None:
        with DockerSandbox(config, client=client) as sb:
            attempt(sb)

    fresh_runs = timed(fresh, args.reps)
    lifecycle = timed(lambda: DockerSandbox(config, client=client).__enter__().close(), args.reps)
    med = {name: statistics.median(xs) for name, xs in
           [("a", raw), ("b", ours), ("reset", resets), ("write", writes), ("test", tests),
            ("life", lifecycle), ("c", reused), ("d", fresh_runs)]}
    print(f"instance {inst.instance_id}, image {tag}, {args.reps} reps, test {test}")
    print(f"{'measure':<58}{'median ms':>10}")
    rows = [("(a) raw docker exec_run('true')", "a"), ("(b) DockerSandbox.run('true')", "b"),
            ("    reset alone (reused container)", "reset"),
            ("    write_file of 2 kB (put_archive)", "write"),
            ("    the failing test's run alone", "test"),
            ("    container start (with start-state snapshot) + removal", "life"),
            ("(c) reset + apply patch + run failing test, reused", "c"),
            ("(d) same with a fresh container per run", "d")]
    for label, key in rows:
        print(f"{label:<58}{med[key] * 1000:>10.1f}")
    print(f"(b)/(a) = {med['b'] / med['a']:.2f}   (target <= 1.2)")
    print(f"(d)/(c) = {med['d'] / med['c']:.2f}   (target >= 3)")


if __name__ == "__main__":
    main()
