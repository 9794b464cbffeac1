"""The SWE-bench instance record, as codefix uses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from codefix.core.safe_names import image_name_problem, name_problem

REQUIRED_FIELDS = (
    "instance_id",
    "repo",
    "base_commit",
    "problem_statement",
    "patch",
    "test_patch",
    "FAIL_TO_PASS",
    "PASS_TO_PASS",
    "version",
)


class Instance(BaseModel):
    """One task: a repository at a commit, an issue, and how to grade a fix.

    Extra SWE-bench columns (hints_text, created_at, difficulty, ...) are kept as they are.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    instance_id: str
    """Unique id, `owner__repo-number` for SWE-bench."""
    repo: str
    """`owner/name` of the repository."""
    base_commit: str
    """The commit the issue is reported against; for a local `source`, filled in when built."""
    problem_statement: str
    """The issue text as the user wrote it."""
    patch: str = ""
    """The gold patch (may be empty when unknown, e.g. a user's own issue)."""
    test_patch: str = ""
    """Tests added by the fix, applied before grading."""
    FAIL_TO_PASS: list[str] = Field(default_factory=list)
    """Tests that fail before the fix and must pass after it."""
    PASS_TO_PASS: list[str] = Field(default_factory=list)
    """Tests that pass before and must still pass after."""
    version: str = ""
    """The repository version key SWE-bench uses to pick install and test commands."""
    environment_setup_commit: str = ""
    """SWE-bench's commit used to build the environment."""
    image: str | None = None
    """The Docker image whose /testbed holds the repository: a swebench 5 record's evaluation image
    (derived at load for a classic record), or a local instance's existing image."""
    source: Path | None = None
    """A directory whose contents become /testbed, committed as the base commit (absolute)."""
    test_cmd: str | None = None
    """Shell command that runs the tests in /testbed (local instances; default pytest)."""
    log_parser: str = "pytest"
    """The swebench 5 log parser that reads the test output: a `PARSER_REGISTRY` name
    (`parse_log_pytest_options`), or its short form (`pytest`) as local instances give it."""
    eval_script: str | None = None
    """The bash script that grades a swebench 5 record (applies the test patch, runs the tests
    between the markers); derived at load for a classic record; None for a local instance."""
    eval_type: str = ""
    """swebench 5's `EvalType`: `pass_and_fail` (the default when empty) or `fail_only`."""
    image_assets: dict[str, Any] = Field(default_factory=dict)
    """Binary files (multimodal tasks) the patches cannot carry: {"test_patch": [{"path", "url"}]}."""
    test_timeout: float | None = None
    """Seconds the evaluation's test run may take before it is killed (None: the default)."""

    @field_validator("instance_id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        problem = name_problem(value) or image_name_problem(value)
        if problem:  # it names folders under runs/ and the cache, and its Docker image
            raise ValueError(f"instance_id {value[:80]!r} {problem}")
        return value

    @field_validator("problem_statement")
    @classmethod
    def _an_issue(cls, value: str) -> str:
        if not value.strip():  # a model would be paid to guess
            raise ValueError("problem_statement is empty: there is no issue to solve")
        return value

    @field_validator("FAIL_TO_PASS", "PASS_TO_PASS", mode="before")
    @classmethod
    def _decode_json_list(cls, value: Any) -> Any:
        return _decoded(value, [], "a JSON list of test names")

    @field_validator("image_assets", mode="before")
    @classmethod
    def _decode_assets(cls, value: Any) -> Any:  # the hub datasets ship it as a JSON string
        return {} if value is None else _decoded(value, {}, "a JSON object")

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value

    @property
    def is_swebench(self) -> bool:
        """True for a SWE-bench record (classic or swebench 5), graded by its eval script in its
        evaluation image; False for a local instance (a `source`, or an `image` without a script)."""
        return self.source is None and (self.image is None or self.eval_script is not None)

    def to_record(self) -> dict[str, Any]:
        """The record in SWE-bench's JSON shape (test lists as JSON strings)."""
        data = self.model_dump(mode="json", exclude_none=True)
        data["FAIL_TO_PASS"] = json.dumps(self.FAIL_TO_PASS)
        data["PASS_TO_PASS"] = json.dumps(self.PASS_TO_PASS)
        return data


def _decoded(value: Any, empty: Any, what: str) -> Any:
    """`value` decoded when it is JSON text (blank text: `empty`); anything else as it is."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return empty
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not {what}: {exc.msg}") from exc
