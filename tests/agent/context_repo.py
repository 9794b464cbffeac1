"""Build small git repositories for the context stage's tests."""

from __future__ import annotations

from pathlib import Path


def make_repo(root: Path, files: dict[str, str | bytes]) -> tuple[Path, str]:
    """A git repository at `root` holding `files`, committed; returns (root, commit sha)."""
    import git

    root.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(root)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "codefix tests")
        cw.set_value("user", "email", "tests@codefix.invalid")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    repo.git.add(A=True)
    repo.git.commit(m="base", allow_empty=True)
    return root, repo.head.commit.hexsha
