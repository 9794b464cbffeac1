"""The non-Python fixtures (data/fixtures-multilang.jsonl) are sound swebench 5 records, checked on
the host without Docker or the languages' toolchains (the Docker tests run their tests).

For each record: it loads as a swebench 5 record naming one of swebench 5's parsers; its base commit
is what its source directory commits as (the commit its image holds, scripts/build_fixture_images.py),
and its eval script checks that commit out and carries the test patch verbatim, so the three cannot
drift apart; the test patch touches only test files and the gold and wrong patches only sources, by
the ecosystem's conventions; the context stage reads the sources and leaves out every test file;
the record's test names are in the shape its parser yields from the runner's own lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.context.files import is_test_path, read_sources
from codefix.core.datasets import load_dataset
from codefix.core.instance import Instance
from codefix.core.unified_diff import parse_patch
from sandbox.evaluation.grading import parser_by_name
from sandbox.evaluation.specs import test_spec

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "data" / "fixtures-multilang.jsonl"
INSTANCES = list(load_dataset(DATASET))
IDS = [inst.instance_id for inst in INSTANCES]
LANGUAGE = {"codefix-fixtures__qsparse-23": "javascript", "codefix-fixtures__textwrap-9": "go"}
RUNNER_LINE = {
    "parse_log_tap": lambda n, name: f"ok {n} {name}",  # node --test --test-reporter=tap
    "parse_log_gotest": lambda n, name: f"    --- PASS: {name} (0.00s)",  # go test -v
}


def source_of(inst: Instance) -> Path:
    return ROOT / "data" / "fixtures" / inst.repo.split("/", 1)[1]


def paths(patch: str) -> list[str]:
    return [f.new_path or f.old_path for f in parse_patch(patch).files]


def test_the_set_is_one_javascript_and_one_go_repository() -> None:
    assert sorted(IDS) == sorted(LANGUAGE)


@pytest.mark.parametrize("inst", INSTANCES, ids=IDS)
def test_a_swebench5_record_with_a_parser_swebench_ships(inst: Instance) -> None:
    from swebench.harness.constants import TEST_EXIT_CODE
    from swebench.harness.log_parsers import PARSER_REGISTRY

    assert inst.is_swebench and inst.source is None and inst.image and inst.eval_type == "pass_and_fail"
    assert inst.log_parser in PARSER_REGISTRY
    assert TEST_EXIT_CODE in test_spec(inst).eval_script  # swebench 5 records the test command's status
    assert inst.FAIL_TO_PASS and inst.PASS_TO_PASS and not set(inst.FAIL_TO_PASS) & set(inst.PASS_TO_PASS)


@pytest.mark.parametrize("inst", INSTANCES, ids=IDS)
def test_base_commit_image_and_eval_script_agree(inst: Instance, tmp_path: Path) -> None:
    from sandbox.images.source_repo import prepare_source_repo

    probe = inst.model_copy(update={"source": source_of(inst), "base_commit": ""})
    _, commit = prepare_source_repo(probe, tmp_path)
    assert commit == inst.base_commit, "the source changed: rebuild the record (base_commit, eval_script)"
    changed = " ".join(paths(inst.test_patch))
    assert f"git checkout {commit} {changed}\n" in inst.eval_script
    assert inst.test_patch in inst.eval_script


@pytest.mark.parametrize("inst", INSTANCES, ids=IDS)
def test_patches_keep_to_tests_or_sources_by_the_ecosystem_conventions(inst: Instance) -> None:
    assert all(is_test_path(p) for p in paths(inst.test_patch))
    for patch in (inst.patch, inst.wrong_patch):
        assert paths(patch) and not any(is_test_path(p) for p in paths(patch))
    assert inst.wrong_patch != inst.patch


@pytest.mark.parametrize("inst", INSTANCES, ids=IDS)
def test_the_context_stage_reads_the_sources_and_no_test_file(inst: Instance, tmp_path: Path) -> None:
    from sandbox.images.source_repo import prepare_source_repo

    repo, _ = prepare_source_repo(inst.model_copy(update={"source": source_of(inst)}), tmp_path)
    sources = read_sources(repo)
    assert sources.languages == [LANGUAGE[inst.instance_id]]
    read = {f.path for f in sources.files}
    tests = {s.path for s in sources.skipped if s.reason == "test"}
    assert len(read) >= 5 and set(paths(inst.patch)) < read  # several sources: ranking the right one means something
    assert tests and tests == {s.path for s in sources.skipped} and not read & tests
    assert set(paths(inst.test_patch)) <= tests


@pytest.mark.parametrize("inst", INSTANCES, ids=IDS)
def test_test_names_are_in_the_shape_the_parser_reads_from_the_runner(inst: Instance) -> None:
    required = inst.FAIL_TO_PASS + inst.PASS_TO_PASS
    line = RUNNER_LINE[inst.log_parser]
    log = "\n".join(line(n, name) for n, name in enumerate(required, 1))
    assert set(parser_by_name(inst.log_parser)(log, None)) == set(required)
