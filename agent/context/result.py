"""What the context stage hands to later stages, and how it is read back from context.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agent.context.packing import PackedFile, render_packed

FINAL_STATUSES = ("done", "no_relevant_files", "empty_repo", "empty_issue")
"""Outcomes a rerun keeps as they are; any other status (in_progress, budget_exceeded,
incomplete, model_errors, ranking_failed) is resumed, reusing every finished decision."""


@dataclass
class ContextResult:
    """The outcome of the context stage for one instance."""

    status: str
    """done, or why the context is empty or partial (see FINAL_STATUSES and the resumable ones)."""
    packed: list[PackedFile] = field(default_factory=list)
    """Packed files in ranked order, with their form and token counts."""
    packed_tokens: int = 0
    """Tokens of the packed context."""
    ranking: list[str] = field(default_factory=list)
    """Every relevant file, merged ranking order."""
    recall: float | None = None
    """Share of the gold patch's files in the packed context (None without a gold patch)."""
    message: str = ""
    """One line on what happened, for status other than done."""
    path: Path | None = None
    """The context.json this result is stored in."""
    languages: list[str] = field(default_factory=list)
    """The source languages read (named in the config or detected), most files first."""

    def render(self) -> str:
        """The packed context as text for later stages' prompts."""
        return render_packed(self.packed)

    @classmethod
    def from_record(cls, record: dict, path: Path | None = None) -> "ContextResult":
        recall = record.get("recall")
        return cls(
            status=record.get("status", "in_progress"),
            packed=[PackedFile(p["path"], p["text"], p["form"], p["tokens"]) for p in record.get("packed", [])],
            packed_tokens=record.get("packed_tokens", 0),
            ranking=list(record.get("ranking", [])),
            recall=recall["recall"] if isinstance(recall, dict) else None,
            message=record.get("message", ""),
            path=path,
            languages=list((record.get("files") or {}).get("languages") or []),
        )
