"""Sandbox run + reset cost: hardened reuse vs a fresh container per run vs the reset before issue 11.

    python benchmarks/sandbox_reuse_bench.py [--fixture ID] [--swebench ID] [--reps 8]

For a bundled fixture and a real SWE-bench-layout image (a `../shared/realbench` stand-in), one
"run" is what a pair does per step: back to the start state, write the gold patch and apply it,
write a reproduction script and run it. Measured side by side, interleaved rep by rep:

  (h) hardened reuse: one DockerSandbox (read-only root, tmpfs workdir restored from the read-only
      snapshot by ctime) reset before every run;
  (f) a fresh hardened DockerSandbox per run (start fills the workdir from the snapshot);
  (p) a fresh plain container per run (writable root, the image's own /testbed: the published
      CodeMonkeys design);
  (t) today's reset before this issue: one plain container, `git reset --hard` + `git clean -ffdx`
      + untar of the start's untracked files + /tmp wiped (which left .git, site-packages, /root
      and /dev/shm as runs made them).

Each image is measured with its reproduction script ("repro": pytest on the fixture's failing
tests; importing sympy and checking the issue) and with a trivial one ("trivial": the sandbox's
own cost, without the script's compute). Prints medians and the ratios; target: (h) <= 0.7 x (f).
Needs the images (fixtures build from $CODEFIX_BASE_IMAGE; the SWE-bench image must exist locally).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tarfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
SWEBENCH = Path("/work/shared/data/swebench/swe_bench_verified.jsonl")
if not SWEBENCH.exists():
    SWEBENCH = ROOT.parent / "shared" / "data" / "swebench" / "swe_bench_verified.jsonl"

TRIVIAL = "import sys\nsys.exit(0)\n"
SCRIPTS = {
    "codefix-fixtures__invoicing-1": None,  # the gold reproduction script (pytest on FAIL_TO_PASS)
    "sympy__sympy-20590": "import sys\nimport sympy\nsys.exit(2 if hasattr(sympy.Symbol('s'), '__dict__') else 0)\n",
}
"""The reproduction script each run executes."""

# The reset before issue 11, measured as the baseline (sandbox/docker/container_scripts.py at 58edc44).
LEGACY_START = """\
set -e
mkdir -p /var/cache/codefix-sandbox && cd /testbed
git config --global --add safe.directory '*'
git rev-parse HEAD > /var/cache/codefix-sandbox/base_commit
git symbolic-ref -q HEAD > /var/cache/codefix-sandbox/head_ref || true
git ls-files -o -z | LC_ALL=C sort -z > /var/cache/codefix-sandbox/untracked.list
tar -C /testbed --null -T /var/cache/codefix-sandbox/untracked.list -cf /var/cache/codefix-sandbox/untracked.tar
"""
LEGACY_RESET = """\
S=/var/cache/codefix-sandbox
for d in /proc/[0-9]*; do p=${d##*/}; [ "$p" = 1 ] || [ "$p" = $$ ] || [ "$p" = "$KEEP" ] || kill -9 "$p" 2>/dev/null; done
cd /testbed || exit 3
base=$(cat $S/base_commit); ref=$(cat $S/head_ref 2>/dev/null)
if [ -n "$ref" ]; then git symbolic-ref HEAD "$ref" && git update-ref "$ref" "$base"; else git update-ref --no-deref HEAD "$base"; fi || exit 4
git reset -q --hard "$base" || exit 4
git stash clear 2>/dev/null
git clean -q -ffdx || exit 5
tar -C /testbed -xf $S/untracked.tar || exit 6
find /tmp /var/tmp -mindepth 1 -delete 2>/dev/null
exit 0
"""


class PlainContainer:
    """TEST-BENCH ONLY: a container as the published design and the old reset used it (writable
    root, the image's own /testbed), driven with docker-py directly."""

    def __init__(self, client, config):
        self.client, self.config = client, config
        self.env_prefix = f"{config.env_setup} >/dev/null 2>&1; " if config.env_setup else ""
        self.container = client.containers.run(config.image, ["sleep", "infinity"], detach=True, init=True,
                                               network_mode="none", labels={"codefix.sandbox": "bench-" + uuid.uuid4().hex[:6]},
                                               working_dir="/testbed", mem_limit=config.memory, pids_limit=config.pids_limit)
        self.keeper = self.sh("read -r k _ < /proc/1/task/1/children; echo $k").strip()

    def sh(self, script: str) -> str:
        code, out = self.container.exec_run(["bash", "-c", script], environment={"KEEP": getattr(self, "keeper", "")})
        if code not in (0, 1, 2):
            raise RuntimeError(f"exit {code}: {out.decode()[-300:]}")
        return out.decode()

    def write(self, path: str, text: str) -> None:
        data = text.encode()
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mtime = len(data), time.time()
            tar.addfile(info, io.BytesIO(data))
        self.container.put_archive("/", buf.getvalue())

    def attempt(self, patch: str, script: str) -> None:
        self.write("/tmp/fix.patch", patch)
        self.sh("cd /testbed && git apply /tmp/fix.patch")
        self.write("/testbed/codefix_reproduce.py", script)
        out = self.sh(self.env_prefix + "cd /testbed && python3 codefix_reproduce.py; echo EXIT=$?")
        assert "EXIT=0" in out, out[-500:]

    def close(self) -> None:
        self.container.remove(force=True)


def attempt(sandbox, patch: str, script: str) -> None:
    from sandbox.docker.patching import apply_patch

    apply_patch(sandbox, patch)
    sandbox.write_file("codefix_reproduce.py", script)
    result = sandbox.run("python3 codefix_reproduce.py", timeout=300)
    assert result.exit_code == 0, result.output[-500:]


def target(instance_id: str):
    """(label, instance with a buildable image, sandbox config, patch, script)."""
    from agent.models.test_doubles.gold_answers.testing import reproduction_script
    from codefix.core.datasets import load_dataset
    from sandbox.images.images import build_local_image, sandbox_config_for

    if instance_id.startswith("codefix-fixtures__"):
        inst = load_dataset(ROOT / "data" / "fixtures.jsonl").get(instance_id)
        tag, commit = build_local_image(inst)
        inst = inst.model_copy(update={"image": tag, "base_commit": commit})
        label = "fixture"
    else:
        inst = load_dataset(SWEBENCH).get(instance_id)
        label = f"SWE-bench {instance_id.split('__')[1]}"
    script = SCRIPTS.get(instance_id) or reproduction_script(inst)
    return label, inst, sandbox_config_for(inst), inst.patch, script


def measure(client, config, patch: str, script: str, reps: int) -> dict[str, list[float]]:
    from sandbox.docker.docker_sandbox import DockerSandbox

    times: dict[str, list[float]] = {k: [] for k in ("h", "f", "p", "t", "h_reset", "t_reset")}
    hardened = DockerSandbox(config, client=client).__enter__()
    legacy = PlainContainer(client, config)
    legacy.sh(LEGACY_START)
    try:
        attempt(hardened, patch, script)  # warm both
        legacy.attempt(patch, script)
        for _ in range(reps):
            t0 = time.perf_counter()
            hardened.reset()
            t1 = time.perf_counter()
            attempt(hardened, patch, script)
            times["h"].append(time.perf_counter() - t0)
            times["h_reset"].append(t1 - t0)

            t0 = time.perf_counter()
            with DockerSandbox(config, client=client) as fresh:
                attempt(fresh, patch, script)
            times["f"].append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            plain = PlainContainer(client, config)
            try:
                plain.attempt(patch, script)
            finally:
                plain.close()
            times["p"].append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            legacy.sh(LEGACY_RESET)
            t1 = time.perf_counter()
            legacy.attempt(patch, script)
            times["t"].append(time.perf_counter() - t0)
            times["t_reset"].append(t1 - t0)
        assert not hardened.recycled, hardened.recycled  # a clean run never needs a fresh container
    finally:
        hardened.close()
        legacy.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixture", default="codefix-fixtures__invoicing-1")
    parser.add_argument("--swebench", default="sympy__sympy-24443,psf__requests-6028",
                        help="SWE-bench instance ids whose images to measure, comma-separated ('' for none)")
    parser.add_argument("--reps", type=int, default=8)
    args = parser.parse_args()

    import docker

    client = docker.from_env(timeout=300)
    print(f"{args.reps} reps per mode, interleaved; medians in seconds; {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f} at start")
    header = (f"{'image, script':<34}{'(h) reuse':>11}{'(f) fresh':>11}{'(p) plain':>11}{'(t) old':>10}"
              f"{'h reset':>9}{'t reset':>9}")
    rows, ratios = [], []
    for instance_id in [args.fixture, *args.swebench.split(",")]:
        if not instance_id:
            continue
        label, inst, config, patch, script = target(instance_id)
        for kind, text in (("repro", script), ("trivial", TRIVIAL)):
            med = {k: statistics.median(v) for k, v in measure(client, config, patch, text, args.reps).items()}
            name = f"{label}, {kind}"
            rows.append(f"{name:<34}{med['h']:>11.3f}{med['f']:>11.3f}{med['p']:>11.3f}{med['t']:>10.3f}"
                        f"{med['h_reset']:>9.3f}{med['t_reset']:>9.3f}   {instance_id}")
            ratios.append(f"{name:<34}(h)/(f) = {med['h'] / med['f']:.2f} (target <= 0.7)   "
                          f"(h)/(p) = {med['h'] / med['p']:.2f}   (h)/(t) = {med['h'] / med['t']:.2f}")
    print(header)
    print("\n".join(rows))
    print("\n".join(ratios))


if __name__ == "__main__":
    main()
