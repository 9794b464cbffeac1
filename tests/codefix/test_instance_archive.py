"""An instance directory shipped between a Ray task and the driver: packed without links or the run
lock, unpacked over the driver's copy, and an archive that could write outside the instance
directory (absolute path, `..`, a link, a device, a parent that is a link) or is too large is
refused with nothing written."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from codefix.stages.instance_archive import UnsafeArchive, pack, unpack
from codefix.stages.ray_shipping import is_node_loss


def archive(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()


def member(name: str, kind=tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def test_pack_and_unpack_carry_files_not_links_or_the_lock(tmp_path):
    src = tmp_path / "src"
    (src / "trajectories").mkdir(parents=True)
    (src / "trajectories" / "pair-0.json").write_text('{"done": true}')
    (src / "ledger.journal.jsonl").write_text('{"kind": "call"}\n')
    (src / ".codefix.lock").write_text("123")
    (tmp_path / "secret").write_text("outside")
    os.symlink(tmp_path / "secret", src / "link")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "ledger.journal.jsonl").write_text("old\n")
    (dest / "kept.txt").write_text("the driver's")

    assert unpack(pack(src), dest) == 2
    assert (dest / "trajectories" / "pair-0.json").read_text() == '{"done": true}'
    assert (dest / "ledger.journal.jsonl").read_text() == '{"kind": "call"}\n'
    assert (dest / "kept.txt").read_text() == "the driver's"
    assert not (dest / ".codefix.lock").exists() and not (dest / "link").exists()
    assert not list(tmp_path.glob(".dest.incoming-*"))


def test_pack_of_a_missing_directory_is_empty_and_unpacks_to_nothing(tmp_path):
    assert pack(tmp_path / "none") == b""
    assert unpack(b"", tmp_path / "dest") == 0


@pytest.mark.parametrize("bad", [
    member("/etc/evil"),
    member("../evil"),
    member("a/../../evil"),
    member("link", tarfile.SYMTYPE, "/etc/passwd"),
    member("hard", tarfile.LNKTYPE, "../../etc/passwd"),
    member("dev", tarfile.CHRTYPE),
    member("fifo", tarfile.FIFOTYPE),
])
def test_unsafe_members_are_refused_and_nothing_is_written(tmp_path, bad):
    dest = tmp_path / "run" / "inst"
    data = archive((member("fine.txt"), b"fine"), (bad, b""))
    with pytest.raises(UnsafeArchive):
        unpack(data, dest)
    assert not (dest / "fine.txt").exists()
    assert list(tmp_path.rglob("*")) == []


def test_a_parent_that_is_a_link_in_the_target_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "inst"
    dest.mkdir()
    os.symlink(outside, dest / "trajectories")
    with pytest.raises(UnsafeArchive):
        unpack(archive((member("trajectories/x.json"), b"{}")), dest)
    assert list(outside.iterdir()) == []


def test_archives_beyond_their_bounds_are_refused(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.bin").write_bytes(os.urandom(64 * 1024))
    with pytest.raises(UnsafeArchive):
        pack(src, limit=1024)
    data = pack(src)
    with pytest.raises(UnsafeArchive):
        unpack(data, tmp_path / "a", limit=1024)
    with pytest.raises(UnsafeArchive):
        unpack(data, tmp_path / "b", unpacked_limit=1024)
    assert not (tmp_path / "b" / "big.bin").exists()


def test_node_loss_is_told_from_the_instance_s_own_failures():
    ray_exceptions = pytest.importorskip("ray.exceptions")
    assert is_node_loss(ray_exceptions.NodeDiedError("gone"))
    assert is_node_loss(ray_exceptions.WorkerCrashedError())
    assert is_node_loss(ray_exceptions.ObjectLostError("00", None, ""))
    assert is_node_loss(ray_exceptions.OwnerDiedError("00", None, ""))
    assert not is_node_loss(RuntimeError("NodeDiedError"))
    assert not is_node_loss(ray_exceptions.RayError())
