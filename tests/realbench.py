"""The realbench stand-ins of official SWE-bench instance images (`../shared/realbench`, built by
.ci/run): which instances, where their records are, and a check that their images exist."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REALBENCH = SHARED / "realbench"
VERIFIED = SHARED / "data" / "swebench" / "swe_bench_verified.jsonl"
IDS = ("sympy__sympy-20590", "sympy__sympy-24443", "psf__requests-6028")


def official_name(instance_id: str) -> str:
    return f"swebench/sweb.eval.x86_64.{instance_id.lower().replace('__', '_1776_')}:latest"


def require_images(docker_client) -> dict[str, str]:
    """{instance id: image id} of the realbench images; skip locally when absent, fail in CI."""
    import docker

    found, missing = {}, []
    for iid in IDS:
        try:
            found[iid] = docker_client.images.get(official_name(iid)).id
        except docker.errors.ImageNotFound:
            missing.append(iid)
    if missing or not VERIFIED.is_file():
        why = (f"realbench images missing ({', '.join(missing)}): python {REALBENCH}/build_images.py {' '.join(IDS)}"
               if missing else f"shared data absent: {VERIFIED}")
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return found
