"""codefix on the realbench stand-ins of official SWE-bench images (../shared/realbench).

    python benchmarks/realbench_bench.py [--reps 3] [--skip-lifecycle] [--skip-context]

(1) Sandbox overhead on the real layout, per instance: starting a sandbox (container, start
    state, conda activation) vs a raw `docker run` + `docker exec` of the activation; a reset;
    a run of the instance's test files (the SWE-bench spec's test command) through the sandbox
    vs a raw `docker exec` of the same command with the activation. Target: sandbox ≤ 1.2× raw.
(2) The context stage on sympy__sympy-20590 with the gold test model: files read per second.
    Target: ≥ 40 files/s on 2 cores.
(3) The image lifecycle per instance with a local registry (Debian's docker-registry on
    127.0.0.1): pull of a copy with one extra layer (pushed first, then removed locally), first
    sandbox start, removal at --cache-level none. The copy shares every other layer with the
    official-name image, which stays (other users need it): the pull moves the manifest and the
    one small layer, so it measures the registry round trip, not download bandwidth.
Medians of --reps runs; figures printed side by side. Needs the realbench images and Docker.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
VERIFIED = ROOT.parent / "shared" / "data" / "swebench" / "swe_bench_verified.jsonl"
IDS = ("sympy__sympy-20590", "sympy__sympy-24443", "psf__requests-6028")
ACTIVATE = "source /opt/miniconda3/bin/activate && conda activate testbed"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values) -> float:
    return statistics.median(values)


def sandbox_overhead(ds, client, reps: int) -> None:
    from agent.models.test_doubles.gold_script.params import test_command
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.images.images import sandbox_config_for

    print("(1) sandbox vs raw docker on the real layout (median seconds)")
    print(f"{'instance':22} {'start raw':>9} {'start sb':>9} {'ratio':>6} {'reset':>6} {'run raw':>8} {'run sb':>7} {'ratio':>6}")
    for iid in IDS:
        inst = ds.get(iid)
        command = test_command(inst)[0]
        config = sandbox_config_for(inst, timeout=600)
        starts_raw, starts_sb, resets, runs_raw, runs_sb = [], [], [], [], []
        for _ in range(reps):
            holder = {}

            def raw_start():
                c = client.containers.run(config.image, ["sleep", "infinity"], detach=True, network_mode="none",
                                          init=True, working_dir="/testbed", labels={"codefix.bench": "1"})
                c.exec_run(["bash", "-c", f"{ACTIVATE} && true"])
                holder["c"] = c

            starts_raw.append(timed(raw_start))
            try:
                runs_raw.append(timed(lambda: holder["c"].exec_run(["bash", "-c", f"{ACTIVATE} && cd /testbed && {command}"])))
            finally:
                holder["c"].remove(force=True)
            sb = DockerSandbox(config)
            starts_sb.append(timed(sb.start))
            try:
                runs_sb.append(timed(lambda: sb.run(command)))
                resets.append(timed(sb.reset))
            finally:
                sb.close()
        a, b, c, d = median(starts_raw), median(starts_sb), median(runs_raw), median(runs_sb)
        print(f"{iid:22} {a:9.2f} {b:9.2f} {b / a:6.2f} {median(resets):6.2f} {c:8.2f} {d:7.2f} {d / c:6.2f}")
    print("target: sandbox run ≤ 1.2× raw exec")


def context_rate(ds) -> None:
    from agent.context.config import ContextConfig
    from agent.context.stage import run_context_stage
    from agent.models.factory import make_model
    from sandbox.images.host_checkout import checkout
    from codefix.core.ledger import Ledger
    from codefix.core.store import read_json

    import logging

    inst = ds.get("sympy__sympy-20590")
    repo_dir, _ = checkout(inst)  # exported once, not timed
    model = make_model("gold", dataset=ds)
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)  # swebench's import turns INFO logging on
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "context.json"
        start = time.perf_counter()
        result = run_context_stage(inst, repo_dir, relevance_model=model, ranking_model=model, ledger=Ledger(),
                                   out_path=out, config=ContextConfig())
        seconds = time.perf_counter() - start
        files = read_json(out).get("files", {})
    read = int(files.get("read", 0))
    print(f"(2) context stage on sympy__sympy-20590 with the gold model: {read} files read, "
          f"{len(files.get('skipped', []))} skipped, {seconds:.1f} s, {read / seconds:.1f} files/s "
          f"(target ≥ 40), status {result.status}, {len(result.packed)} packed")


def lifecycle(ds, client) -> None:
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.images.image_acquire import ImageAcquirer
    from sandbox.images.image_config import ImageConfig
    from sandbox.images.image_records import ImageRecords
    from sandbox.images.images import sandbox_config_for

    from tests.sandbox.local_registry import LocalRegistry, push, with_marker_layer
    from sandbox.evaluation.specs import swebench_image_name

    if shutil.which("docker-registry") is None:
        print("(3) skipped: docker-registry is not installed")
        return
    work = Path(tempfile.mkdtemp(prefix="codefix-bench-registry-"))
    server = LocalRegistry(work).start()
    registry = server.address
    namespace = f"codefix-bench-{uuid.uuid4().hex[:6]}"
    try:
        print(f"(3) image lifecycle with a local registry ({registry}), seconds")
        print(f"{'instance':22} {'push':>6} {'pull':>6} {'layers / MB':>14} {'1st sandbox':>11} {'removal':>8}")
        for iid in IDS:
            inst = ds.get(iid)
            images = ImageAcquirer(ImageConfig(registry=registry, namespace=namespace, cache_level="none",
                                               min_free_gb=1), client=client,
                                   records=ImageRecords(work / "acquired.json"))
            name = images.image_name(inst)
            # a copy of the official image with one extra layer, pushed, then untagged locally
            push_s = timed(lambda: push(client, with_marker_layer(client, swebench_image_name(inst)), f"{registry}/{name}"))
            pull_s = timed(lambda: images.ensure(inst))
            fetched = images.fetched[name]
            sandbox = DockerSandbox(sandbox_config_for(inst, image=name))
            first_s = timed(sandbox.start)
            sandbox.close()
            remove_s = timed(images.finish)
            assert not images.present(name)
            print(f"{iid:22} {push_s:6.1f} {pull_s:6.1f} {fetched.layers:>14} {first_s:11.2f} {remove_s:8.2f}")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--skip-lifecycle", action="store_true")
    parser.add_argument("--skip-context", action="store_true")
    args = parser.parse_args()
    import docker

    from codefix.core.datasets import load_dataset

    client = docker.from_env(timeout=600)
    ds = load_dataset(VERIFIED)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    sandbox_overhead(ds, client, args.reps)
    if not args.skip_context:
        context_rate(ds)
    if not args.skip_lifecycle:
        lifecycle(ds, client)


if __name__ == "__main__":
    main()
