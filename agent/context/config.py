"""Settings of the context stage."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agent.context.budget import MAX_BUDGET, TARGET_TOKENS
from codefix.core.setting_bounds import CONTEXT_TOKENS, RELEVANCE_CONCURRENCY, TEMPERATURE

DEFAULT_TOKEN_MODEL = "gpt-4o"
"""The tokenizer counted with when neither the config nor a command names one."""


class ContextConfig(BaseModel):
    """How the context stage enumerates, reads, ranks and packs files."""

    model_config = ConfigDict(extra="forbid")

    languages: list[str] | None = None
    """Source languages read (python, javascript — with TypeScript —, go, java, rust, c — with
    C++ —, php, ruby). None: detected from the repository's tracked files
    (`agent.context.files.detect_languages`)."""
    extensions: list[str] | None = None
    """File name endings that count as source (with the dot), instead of the languages' own.
    None: every ending of the languages."""
    exclude_tests: bool = True
    """Leave out test files by each language's conventions (test directories at any depth, test
    modules, `_test.go`, `*.spec.ts`, `__tests__/`, `spec/`, `*Test.php`, ...)."""
    max_file_bytes: int = 1_000_000
    """Files larger than this are skipped as oversized."""
    concurrency: int = RELEVANCE_CONCURRENCY.field(32)
    """Relevance requests in flight at once (threads)."""
    relevance_window_tokens: int = 100_000
    """Files longer than this (in tokens) are shown to the relevance model as a skeleton."""
    relevance_attempts: int = Field(3, ge=1)
    """Times a file is asked about before a malformed answer is recorded as a failure."""
    relevance_max_tokens: int = 4096
    """Output token limit of one relevance answer (the paper's; a model that thinks before its
    verdict needs room, and a cut answer costs a re-ask)."""
    rankings: int = Field(3, ge=1)
    """Independent rankings merged by mean relative rank."""
    ranking_attempts: int = Field(2, ge=1)
    """Times one ranking is asked for before it is given up as malformed."""
    ranking_max_tokens: int = 4096
    """Output token limit of one ranking answer."""
    temperature: float = TEMPERATURE.field(0.0)
    """Sampling temperature of relevance and ranking calls."""
    budget_tokens: int | None = CONTEXT_TOKENS.field(None)
    """Tokens the packed context may hold. None: commands derive it from the primary model's
    context window (`agent.context.budget`, at most MAX_BUDGET, the paper's 128k); the stage run
    alone packs MAX_BUDGET."""
    target_tokens: int = TARGET_TOKENS
    """Tokens the ranking prompt asks the model to aim for (the paper's ~60k; at most budget_tokens)."""
    skeleton_oversized: bool = True
    """Let a ranked file that alone exceeds the budget enter as a skeleton."""
    token_model: str | None = None
    """Model name whose tokenizer `litellm.token_counter` uses for counting. None: commands use the
    primary model's (`agent.models.context_window.counting_model`), the stage run alone gpt-4o's."""
    checkpoint_every: int = Field(64, ge=1)
    """Write context.json after this many new relevance decisions (and at least every 2 s)."""


def resolved(config: ContextConfig) -> ContextConfig:
    """`config` with the settings left to the caller filled in by the stage's own defaults."""
    return config.model_copy(update={"budget_tokens": config.budget_tokens or MAX_BUDGET,
                                     "token_model": config.token_model or DEFAULT_TOKEN_MODEL})
