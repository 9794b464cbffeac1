"""The read-only snapshot every sandbox of an image restores from.

One Docker volume per image (and workdir) holds a copy of the image's workdir and home, its base
commit and the files untracked at start (`sandbox.docker.start_state`). A helper container fills it once;
every sandbox mounts it read-only, so nothing a run does (as root) can change the state that the
next run is reset to. A second, empty volume named `<volume>.ready`, created only after the copy
is complete, marks it usable and carries its sizes in labels (creating a volume is atomic, so
concurrent processes agree). Both carry the session that made them (`codefix.sandbox`):
`codefix clean --pristine` removes this session's snapshots no sandbox uses (`--all`: every
session's). A populate that fails removes its half-made volume.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass

from codefix.core.errors import SandboxError
from sandbox.docker.ownership import SANDBOX_LABEL, label_value
from sandbox.docker.start_state import PRISTINE_MOUNT, SNAPSHOT_DIR

PRISTINE_LABEL = "codefix.pristine"
"""Label on snapshot volumes (value: the image id)."""
READY_SUFFIX = ".ready"
POPULATE_TIMEOUT = 1800
COMPILE_TIMEOUT = 900
"""Seconds the snapshot may spend compiling the workdir's bytecode (a large repository on a slow
host); past it the snapshot is made with what was compiled, the rest compiles at import as before."""
FORMAT = 3
"""Bumped when a snapshot's content changes meaning (2: hash-checked bytecode of the workdir; 3: and
git told to ignore it), so older snapshots are not used (`codefix clean --pristine` removes them)."""

# Run in a helper container with the volume mounted read-write; prints "<workdir KiB> <home KiB>".
POPULATE = """\
set -eu
M={mount}
if [ ! -d {snapshot} ]; then
  tmp="$M/.tmp-$(cat /proc/sys/kernel/random/uuid)"
  mkdir -p "$tmp"
  cd {workdir}
  # The base commit's bytecode, hash-checked: Python rehashes the source at every import and
  # ignores a .pyc that does not match, whatever the file's size and mtime, so a same-size edit in
  # the same second can never run old code; unedited modules are not compiled again on every run.
  # the interpreter the repository's code runs with: a SWE-bench image's testbed env, else python3
  py=/opt/miniconda3/envs/testbed/bin/python
  [ -x "$py" ] || py=$(command -v python3 || true)
  if [ -n "$py" ] && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 7))' 2>/dev/null; then
    timeout {compile_timeout} "$py" -m compileall -q -f -j 0 --invalidation-mode checked-hash -x '/[.]git/' {workdir} \
      >/dev/null 2>&1 || true
    # git shows none of it (`git status` as the repository's own users see it)
    exclude=$(git -c safe.directory='*' rev-parse --git-path info/exclude)
    mkdir -p "$(dirname "$exclude")" && printf '\n# codefix: the snapshot'"'"'s compiled bytecode\n__pycache__/\n' >> "$exclude"
  fi
  cp -a {workdir} "$tmp/workdir"
  if [ -d /root ]; then cp -a /root "$tmp/home"; else mkdir -m 700 "$tmp/home"; fi
  git -c safe.directory='*' rev-parse HEAD > "$tmp/base_commit"
  git -c safe.directory='*' ls-files -o -z | LC_ALL=C sort -z > "$tmp/untracked.list"
  echo "$(du -sk "$tmp/workdir" | cut -f1) $(du -sk "$tmp/home" | cut -f1)" > "$tmp/sizes"
  mv -T "$tmp" {snapshot} 2>/dev/null || rm -rf "$tmp"
fi
cat {snapshot}/sizes
"""


@dataclass(frozen=True)
class Pristine:
    """A complete snapshot volume and the sizes of what it holds."""

    volume: str
    """The Docker volume to mount read-only at `PRISTINE_MOUNT`."""
    workdir_bytes: int
    """Bytes the workdir copy takes (a sandbox's workdir tmpfs starts this full)."""
    home_bytes: int
    """Bytes the home copy takes."""


def volume_name(image_id: str, workdir: str) -> str:
    """`codefix-pristine-<image id>-v<format>` (plus a hash of the workdir when it is not /testbed)."""
    suffix = "" if workdir == "/testbed" else "-" + hashlib.sha256(workdir.encode()).hexdigest()[:8]
    return f"{_image_prefix(image_id)}-v{FORMAT}{suffix}"


def _image_prefix(image_id: str) -> str:
    return f"codefix-pristine-{image_id.split(':')[-1][:16]}"


def ensure_pristine(client, image: str, image_id: str, workdir: str, labels: dict[str, str]) -> Pristine:
    """The image's complete snapshot, made now if there is none (`labels` go on the helper)."""
    import docker

    name = volume_name(image_id, workdir)
    try:
        return _from_ready(client.volumes.get(name + READY_SUFFIX), name)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        raise SandboxError(f"cannot inspect the snapshot volume {name}: {exc.explanation or exc}") from exc
    workdir_kib, home_kib = populate(client, image, name, workdir, labels)
    ready_labels = {PRISTINE_LABEL: image_id, SANDBOX_LABEL: label_value(), "codefix.pristine.volume": name,
                    "codefix.pristine.workdir_bytes": str(workdir_kib * 1024),
                    "codefix.pristine.home_bytes": str(home_kib * 1024)}
    try:
        ready = client.volumes.create(name + READY_SUFFIX, labels=ready_labels)
    except docker.errors.APIError as exc:
        raise SandboxError(f"cannot mark the snapshot {name} ready: {exc.explanation or exc}") from exc
    return _from_ready(ready, name)


def populate(client, image: str, name: str, workdir: str, labels: dict[str, str]) -> tuple[int, int]:
    """Fill volume `name` from `image` (idempotent); (workdir KiB, home KiB)."""
    import docker
    from docker.types import Mount

    from sandbox.docker import live_sandboxes

    script = POPULATE.format(mount=PRISTINE_MOUNT, snapshot=SNAPSHOT_DIR, workdir=shlex.quote(workdir),
                             compile_timeout=COMPILE_TIMEOUT)
    try:
        client.volumes.create(name, labels={PRISTINE_LABEL: "1", SANDBOX_LABEL: label_value()})
        with live_sandboxes.starting():
            helper = client.containers.create(image, command=["bash", "-c", script], user="0", working_dir="/",
                                              network_disabled=True, labels=live_sandboxes.container_labels(),
                                              mounts=[Mount(PRISTINE_MOUNT, name, type="volume")])
        live_sandboxes.register(helper)
    except docker.errors.APIError as exc:
        _discard(client, name)
        raise SandboxError(f"cannot snapshot {workdir} of {image}: {exc.explanation or exc}") from exc
    try:
        helper.start()
        status = helper.wait(timeout=POPULATE_TIMEOUT).get("StatusCode")
        out = helper.logs(stdout=True, stderr=True).decode("utf-8", "replace")
    except Exception as exc:  # engine trouble or the wait timed out
        _discard(client, name, helper)
        raise SandboxError(f"snapshotting {workdir} of {image} failed: {exc}") from exc
    finally:
        live_sandboxes.unregister(helper)
        try:
            helper.remove(force=True)
        except docker.errors.APIError:
            pass
    fields = out.strip().splitlines()[-1].split() if out.strip() else []
    if status != 0 or len(fields) != 2 or not all(f.isdigit() for f in fields):
        _discard(client, name)
        raise SandboxError(f"{image}: {workdir} is not a usable git checkout: {out.strip()[-300:]}")
    return int(fields[0]), int(fields[1])


def _discard(client, name: str, helper=None) -> None:
    """Remove the half-made snapshot volume `name` of a failed populate (kept when another
    process's helper or sandbox still uses it, or when it was completed meanwhile)."""
    import docker

    try:
        if helper is not None:
            helper.remove(force=True)  # its mount would keep the volume
        client.volumes.get(name + READY_SUFFIX)
        return  # another process completed it: it is good
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError:
        return
    try:
        client.volumes.get(name).remove()
    except docker.errors.APIError:  # in use, or gone
        pass


def remove_unused(client, session: str | None) -> tuple[int, int]:
    """Remove the snapshot volumes of `session` (None: of every session) no container uses;
    (removed, kept because in use). A volume made before sessions were recorded is session "1"'s."""
    import docker

    removed = kept = 0
    for volume in client.volumes.list(filters={"label": PRISTINE_LABEL}):
        made_by = (volume.attrs.get("Labels") or {}).get(SANDBOX_LABEL) or "1"
        if session is not None and made_by != session:
            continue
        try:
            volume.remove()
            removed += 1
        except docker.errors.NotFound:
            continue
        except docker.errors.APIError:  # in use by a sandbox
            kept += 1
    return removed, kept


def remove_for_image(client, image_id: str) -> None:
    """Remove the snapshots made from `image_id` (an image codefix is removing), unless in use."""
    import docker

    prefix = _image_prefix(image_id)  # every format and workdir
    try:
        volumes = client.volumes.list(filters={"label": PRISTINE_LABEL})
    except Exception:  # best effort: an engine without volumes (or gone) leaves nothing to remove
        return
    for volume in sorted(volumes, key=lambda v: not v.name.endswith(READY_SUFFIX)):  # the marker first
        if volume.name.startswith(prefix):
            try:
                volume.remove()
            except docker.errors.APIError:  # in use by a sandbox, or gone
                pass


def _from_ready(ready, name: str) -> Pristine:
    labels = ready.attrs.get("Labels") or {}
    try:
        return Pristine(name, int(labels["codefix.pristine.workdir_bytes"]), int(labels["codefix.pristine.home_bytes"]))
    except (KeyError, ValueError) as exc:
        raise SandboxError(f"the snapshot marker {ready.name} carries no sizes; remove it: docker volume rm {ready.name}") from exc
