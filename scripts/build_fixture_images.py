"""Build the images of the non-Python fixtures (data/fixtures-multilang.jsonl), offline.

    python scripts/build_fixture_images.py [RECORDS.jsonl]

First the toolchain image `codefix-multilang:bookworm` ($CODEFIX_MULTILANG_IMAGE): Debian bookworm
from Debian's own packages with debootstrap (nodejs, golang-go, git, patch; no Python), like
scripts/setup-docker.sh makes the base image. Needs root and Debian's mirror; containers never need
the network. Then, for each record, its `image`: the toolchain image with the fixture's source
(data/fixtures/<repository name>) committed at /testbed exactly as codefix commits a local
`source` (`sandbox.images.source_repo`), so its HEAD is the record's `base_commit`; a record whose
base_commit no longer matches its source is refused. Go's build cache is warmed in the image.

Idempotent: an image already present (an instance image labelled with the record's base commit)
is left as it is. Prints the seconds each step took.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOOLCHAIN = os.environ.get("CODEFIX_MULTILANG_IMAGE", "codefix-multilang:bookworm")
PACKAGES = "nodejs,golang-go,git,patch"
COMMIT_LABEL = "codefix.fixture.base_commit"
DOCKERFILE = """\
FROM {toolchain}
COPY testbed /testbed
WORKDIR /testbed
RUN if [ -f go.mod ]; then go test -count=1 -run '^$' ./... >/dev/null; fi
LABEL {label}={commit}
"""
"""The instance image; `go test -run '^$'` compiles the package and its tests into Go's build cache
(in /root, which every sandbox starts from) without running any."""


def main(records_path: Path) -> int:
    started = time.monotonic()
    toolchain()
    print(f"{TOOLCHAIN} ready in {time.monotonic() - started:.1f} s")
    for line in records_path.read_text().splitlines():
        if line.strip():
            step = time.monotonic()
            record = json.loads(line)
            instance_image(record)
            print(f"{record['image']} ready in {time.monotonic() - step:.1f} s")
    print(f"fixture images ready in {time.monotonic() - started:.1f} s")
    return 0


def toolchain() -> None:
    """The Debian image with node, go and git, made with debootstrap when absent."""
    if _label(TOOLCHAIN, "") is not None:
        return
    with tempfile.TemporaryDirectory(prefix="codefix-multilang-") as tmp:
        root = Path(tmp) / "fs"
        subprocess.run(["debootstrap", "--variant=minbase", f"--include={PACKAGES}", "bookworm", str(root)],
                       check=True, stdout=subprocess.DEVNULL)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "-", TOOLCHAIN], stdin=tar.stdout, check=True, stdout=subprocess.DEVNULL)
        if tar.wait() != 0:
            raise SystemExit(f"tar of the debootstrap tree failed for {TOOLCHAIN}")


def instance_image(record: dict) -> None:
    """The record's image: its source committed at /testbed, labelled with the commit."""
    from codefix.core.instance import Instance
    from sandbox.images.source_repo import prepare_source_repo

    image, commit = record["image"], record["base_commit"]
    if _label(image, COMMIT_LABEL) == commit:
        return
    source = ROOT / "data" / "fixtures" / record["repo"].split("/", 1)[1]
    probe = Instance.model_validate({**record, "source": source, "base_commit": ""})
    with tempfile.TemporaryDirectory(prefix="codefix-fixture-") as tmp:
        repo, sha = prepare_source_repo(probe, Path(tmp))
        if sha != commit:
            raise SystemExit(f"{record['instance_id']}: {source} commits as {sha}, but the record's base_commit is "
                             f"{commit}: update the record (its eval_script names the commit too)")
        context = io.BytesIO()
        with tarfile.open(fileobj=context, mode="w") as tar:
            dockerfile = DOCKERFILE.format(toolchain=TOOLCHAIN, label=COMMIT_LABEL, commit=commit).encode()
            info = tarfile.TarInfo("Dockerfile")
            info.size = len(dockerfile)
            tar.addfile(info, io.BytesIO(dockerfile))
            tar.add(repo, arcname="testbed")
    subprocess.run(["docker", "build", "-q", "--network", "none", "-t", image, "-"], input=context.getvalue(),
                   check=True, stdout=subprocess.DEVNULL)


def _label(image: str, label: str) -> str | None:
    """The image's `label` ("" for an image without it, or when `label` is ""); None when absent."""
    fmt = "{{json .Config.Labels}}"
    proc = subprocess.run(["docker", "image", "inspect", "--format", fmt, image], capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    return (json.loads(proc.stdout) or {}).get(label, "") if label else ""


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "fixtures-multilang.jsonl"))
