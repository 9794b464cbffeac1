"""A tiny local instance (one module, one test, an ignored build artefact) for sandbox tests."""

from __future__ import annotations

from pathlib import Path

from codefix.core.instance import Instance

FILES = {
    "pkg/__init__.py": "",
    "pkg/mod.py": "def f():\n    return 1\n",
    "pkg/long.py": "".join(f"def g{i}():\n    return {i}\n\n\n" for i in range(30)),
    "tests/test_mod.py": "from pkg.mod import f\n\n\ndef test_f():\n    assert f() == 2\n",
    ".gitignore": "build/\n*.egg-info/\n",
    "build/artefact.txt": "compiled at image build\n",
}


def tiny_instance(root: Path) -> Instance:
    """Write the source under `root` and return its instance (base_commit filled on build)."""
    src = root / "tiny-src"
    for rel, text in FILES.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Instance(
        instance_id="codefix-tests__tiny-1",
        repo="codefix-tests/tiny",
        base_commit="",
        problem_statement="f() returns 1, should return 2",
        source=src,
        test_cmd="python3 -m pytest -q tests/test_mod.py",
    )


def tiny_image(root: Path, docker_client) -> tuple[str, str]:
    """(image tag, base commit) of the tiny instance, built from $CODEFIX_BASE_IMAGE."""
    from sandbox.images.images import build_local_image

    return build_local_image(tiny_instance(root), cache_dir=root / "cache", client=docker_client)


def remove_image_and_snapshot(client, image_id: str) -> None:
    """Remove a test's throwaway image and the workdir snapshot volumes made for it."""
    from sandbox.docker.pristine import READY_SUFFIX, volume_name

    client.images.remove(image_id, force=True)
    name = volume_name(image_id, "/testbed")
    for volume in (name + READY_SUFFIX, name):
        try:
            client.volumes.get(volume).remove(force=True)
        except Exception:  # never made, or already gone
            pass
