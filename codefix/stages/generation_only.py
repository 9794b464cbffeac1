"""Generation alone for one instance (`codefix generate`): the context stage first when it has not
finished, then the testing → editing pairs; and the one call into the generation stage, which
`solve` shares, with the selection stage's keys (agreeing patches, the ids stored per candidate)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codefix.core import run_layout as layout


def run_generation(inst, *, model, ledger, sandbox_factory, context: str, out_dir: Path, config,
                   on_pair: Callable | None = None, languages: list[str] | None = None):
    """`agent.generation.generate` (`config`: its GenerationConfig) with patches compared by their
    normalized text and each candidates row given its candidate id and test id; `languages` are the
    context stage's (they choose the reproduction script's kind)."""
    from agent.generation import generate
    from selection.candidate_rows import row_ids
    from selection.normalize import normalized_or_text

    return generate(inst, model=model, ledger=ledger, sandbox_factory=sandbox_factory, context=context,
                    out_dir=out_dir, config=config, on_pair=on_pair, patch_key=normalized_or_text, row_ids=row_ids,
                    languages=languages)


@dataclass
class GenerationRun:
    """What `generate_instance` did."""

    instance_id: str
    results: list = field(default_factory=list)
    """Each pair's `agent.generation.PairResult`."""
    figures: dict = field(default_factory=dict)
    """Sandboxes started and at peak, skipped pairs, the early-stop record."""
    context_status: str = ""
    ledger: Any = None
    out_dir: Path | None = None
    seconds: float = 0.0
    """Wall time of the generation stage."""

    @property
    def candidates_path(self) -> Path:
        return self.out_dir / layout.CANDIDATES


def generate_instance(session, inst, *, on_pair: Callable | None = None) -> GenerationRun:
    """Run (or resume) the context stage and the generation pairs of `inst` in `session`
    (`codefix.stages.run_session.RunSession`); the ledger is stored after them."""
    from codefix.stages.wiring import checked_out, run_context
    from codefix.core.store import write_json

    config = session.config
    with session.images.lease(inst):
        inst, repo_dir = checked_out(inst, session.backend)
        ledger = session.ledger(inst.instance_id)
        out_dir = session.store.instance_dir(inst.instance_id)
        context = run_context(inst, repo_dir, primary=session.primary, reader=session.reader, ledger=ledger,
                              out_path=out_dir / layout.CONTEXT, config=config.context)
        started = time.monotonic()
        factory = session.sandboxes(inst, config.parallel_sandboxes or config.generation.workers)
        try:
            results, figures = run_generation(inst, model=session.primary, ledger=ledger, sandbox_factory=factory,
                                              context=context.render(), out_dir=out_dir, config=config.generation,
                                              on_pair=on_pair, languages=context.languages)
        finally:
            write_json(out_dir / layout.LEDGER, ledger.to_dict())
    return GenerationRun(inst.instance_id, results, figures, context.status, ledger, out_dir,
                         time.monotonic() - started)
