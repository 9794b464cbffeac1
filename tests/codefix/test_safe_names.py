"""Every path from input is validated: instance ids and run ids, and nothing codefix did not make
is removed."""

from __future__ import annotations

import json

import pytest

from codefix.cli import main
from codefix.core.datasets import load_local
from codefix.core.errors import InputError
from codefix.core.instance import Instance
from codefix.core.safe_names import check_name, inside, mark, remove_marked
from codefix.core.store import RunStore

BAD = {
    "absolute": "/etc",
    "parent": "../x",
    "nested parent": "a/../../x",
    "slash": "owner/repo-1",
    "dot": ".",
    "dot dot": "..",
    "hidden": ".codefix.lock",
    "NUL": "a\x00b",
    "very long": "x" * 201,
    "empty": "",
    "newline": "a\nb",
    "space": "a b",
}


@pytest.mark.parametrize("name", BAD.values(), ids=BAD.keys())
def test_unsafe_names_are_refused_in_one_line(name):
    with pytest.raises(InputError) as info:
        check_name(name, "run id")
    assert "run id" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["django__django-11099", "sympy__sympy-20590", "codefix-fixtures__dotenv-219",
                                  "local__my.repo-0123456789ab", "r1", "batch-20250101-120000"])
def test_real_ids_pass(name):
    assert check_name(name, "instance id") == name


@pytest.mark.parametrize("name", BAD.values(), ids=BAD.keys())
def test_instances_with_unsafe_ids_are_refused(name):
    with pytest.raises(ValueError, match="instance_id"):
        Instance(instance_id=name, repo="o/r", base_commit="a", problem_statement="p")


def test_a_dataset_with_a_traversal_id_is_a_clear_input_error(tmp_path):
    path = tmp_path / "ds.jsonl"
    rec = {"instance_id": "../../outside", "repo": "o/r", "base_commit": "a", "problem_statement": "p",
           "patch": "", "test_patch": "", "FAIL_TO_PASS": "[]", "PASS_TO_PASS": "[]", "version": "1", "image": "x"}
    path.write_text(json.dumps(rec) + "\n")
    with pytest.raises(InputError, match=r"line 1 .*instance_id"):
        load_local(path)


def test_the_run_store_stays_inside_the_runs_directory(tmp_path):
    runs = tmp_path / "runs"
    with pytest.raises(InputError):
        RunStore(runs, "../escape")
    store = RunStore(runs, "ok")
    with pytest.raises(InputError):
        store.instance_dir("/tmp/abs")
    with pytest.raises(InputError):
        inside(runs, "..", "run id")
    assert store.instance_dir("a__b-1") == runs / "ok" / "a__b-1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


@pytest.mark.parametrize("run_id", ["../x", "/tmp/abs", "a/b", "x" * 300])
@pytest.mark.parametrize("command", ["solve", "generate", "context", "evaluate", "batch"])
def test_commands_refuse_a_traversal_run_id_before_writing_anything(tmp_path, capsys, run_id, command):
    args = {"solve": ["solve", "-d", "x.jsonl", "-i", "a", "-m", "gold"],
            "generate": ["generate", "-d", "x.jsonl", "-i", "a", "-m", "gold"],
            "context": ["context", "-d", "x.jsonl", "-i", "a", "-m", "gold"],
            "evaluate": ["evaluate", "-d", "x.jsonl", "-i", "a", "--gold"],
            "batch": ["batch", "-d", "x.jsonl", "-m", "gold"]}[command]
    before = set(tmp_path.parent.iterdir())
    code = main([*args, "--runs-dir", str(tmp_path / "runs"), "--run-id", run_id])
    err = capsys.readouterr().err
    assert code == 2 and "--run-id" in err and "Traceback" not in err
    assert set(tmp_path.parent.iterdir()) == before and not (tmp_path / "runs").exists()


def test_only_marked_directories_are_removed(tmp_path):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    mark(mine, ".made-by-codefix")
    (mine / "data").write_text("x")
    theirs.mkdir()
    (theirs / "precious").write_text("keep")
    remove_marked(mine, ".made-by-codefix")
    assert not mine.exists()
    with pytest.raises(InputError, match="not made by codefix"):
        remove_marked(theirs, ".made-by-codefix")
    assert (theirs / "precious").read_text() == "keep"
    remove_marked(tmp_path / "absent", ".made-by-codefix")  # nothing to do
    link = tmp_path / "link"
    link.symlink_to(mine.parent)
    with pytest.raises(InputError):
        remove_marked(link, ".made-by-codefix")


def test_exporting_a_workdir_never_removes_a_folder_codefix_did_not_make(tmp_path):
    from sandbox.docker.workdir_export import export_workdir

    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.tex").write_text("years of work")

    class NoEngine:  # the refusal comes before any Docker call that could fail
        class images:
            @staticmethod
            def get(name):
                return type("Image", (), {"id": "sha256:abc"})()

    with pytest.raises(InputError, match="not made by codefix"):
        export_workdir("any:image", victim, client=NoEngine())
    assert (victim / "thesis.tex").read_text() == "years of work"


@pytest.mark.parametrize("folder,expected", [("my..repo", "my-repo"), ("repo_", "repo"), ("a.-b", "a-b"),
                                             ("my__repo", "my__repo"), ("a___b", "a-b"), ("..", "repo"),
                                             ("x---y", "x---y"), ("foo.bar", "foo.bar")])
def test_a_local_repository_folder_gives_an_id_docker_accepts(folder, expected):
    from codefix.core.safe_names import docker_safe, image_name_problem

    assert docker_safe(folder) == expected and image_name_problem(f"local__{expected}-0123456789ab") is None
