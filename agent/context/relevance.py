"""Relevance: one model call per file, answered as relevant with a summary or not relevant.

A malformed answer is re-asked a bounded number of times; a file that still fails is
recorded, never fatal. Files too long for the relevance model's window are shown as a
skeleton.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from codefix.core.errors import BudgetExceeded, ContextWindowExceeded, ModelError

from agent.context.files import SourceFile
from agent.context.skeleton import skeleton_of
from agent.prompts.render import render
from agent.models.context_window import count_text
from agent.reply_parsing import clean_reply

_VERDICT = re.compile(r"^[\s*#>_`]*verdict[\s*_`]*[:=\-–—][\s*_`]*(.*?)\s*$", re.I | re.M)
_SUMMARY = re.compile(r"^[\s*#>_`]*summary[\s*_`]*[:=\-–—][\s*_`]*(.*?)\s*$", re.I | re.M)
_INLINE_SUMMARY = re.compile(r"[\s*_`|;,.(\-–—]*summary[\s*_`]*[:=][\s*_`]*(.*?)[\s*_`]*$", re.I)
_BARE_VERDICT = re.compile(r"^[\s*#>_`]*((?:not[\s_-]*)?relevant|irrelevant)[\s*_`.!]*$", re.I)


class MalformedAnswer(ValueError):
    """A reply that does not follow the documented format."""


@dataclass
class RelevanceDecision:
    """What the stage decided about one file."""

    status: str
    """relevant, not_relevant, failed (malformed after every attempt) or error (model error)."""
    summary: str = ""
    """The model's one-sentence summary (relevant files only)."""
    tokens: int = 0
    """Tokens of the whole file."""
    shown: str = "full"
    """What the model saw: full or skeleton."""
    attempts: int = 0
    """Model calls made for this file."""
    error: str = ""
    """Why the file failed or errored."""

    @property
    def finished(self) -> bool:
        """A decision a resumed run keeps; model errors are asked again."""
        return self.status != "error"

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}

    @classmethod
    def from_dict(cls, data: dict) -> "RelevanceDecision":
        return cls(**data)


def parse_relevance(text: str) -> tuple[bool, str]:
    """(relevant, summary) from a reply; raises MalformedAnswer when it cannot be read.

    Reasoning drafts are dropped first. The verdict is the `VERDICT:` line (or, without one, a
    line reading just RELEVANT / NOT RELEVANT); verdicts that disagree are an error, never a
    guess. The summary may follow the verdict on its line."""
    raw, text = text, _labelled_lines(clean_reply(text))
    if not text.strip() and (raw or "").strip():
        raise MalformedAnswer("your reply holds only an unfinished reasoning draft (<think> without </think>) "
                              "and no 'VERDICT:' line")
    lines = _VERDICT.findall(text) or [m.group(1) for m in map(_BARE_VERDICT.match, text.split("\n")) if m]
    if not lines:
        raise MalformedAnswer("no 'VERDICT:' line")
    verdicts, inline = [], []
    for line in lines:
        summary = _INLINE_SUMMARY.search(line)
        value = line[: summary.start()] if summary else line
        if summary and summary.group(1).strip():
            inline.append(summary.group(1).strip())
        verdicts.append(_verdict(value))
    if len(set(verdicts)) > 1:
        raise MalformedAnswer("your reply gives both verdicts (RELEVANT and NOT RELEVANT); give exactly one")
    if not verdicts[0]:
        return False, ""
    summaries = [s for s in map(_summary_at, _SUMMARY.finditer(text)) if s] or inline
    if not summaries:
        raise MalformedAnswer("a RELEVANT verdict needs a 'SUMMARY:' line")
    return True, summaries[-1]


_TABLE_ROW = re.compile(r"^[ \t]*\|[ \t*_`]*(verdict|summary)[ \t*_`]*\|[ \t]*(.*?)[ \t]*\|?[ \t]*$", re.I | re.M)
_TAGGED = re.compile(r"<(verdict|summary)>[ \t\n]*(.*?)[ \t\n]*</\1>", re.I | re.S)


def _labelled_lines(text: str) -> str:
    """`text` with a verdict or summary given as a table row (`| Verdict | RELEVANT |`) or an
    XML-ish tag (`<verdict>RELEVANT</verdict>`) written as the `VERDICT:` / `SUMMARY:` line."""
    text = _TABLE_ROW.sub(lambda m: f"{m.group(1).upper()}: {m.group(2)}", text)
    return _TAGGED.sub(lambda m: f"\n{m.group(1).upper()}: {' '.join(m.group(2).split())}\n", text)


def _summary_at(match: re.Match) -> str:
    """The summary a SUMMARY: line gives (or, when it is empty, the next non-empty line). When
    that line announces a quotation (it ends with ':' or a ``` fence follows it), the quotation
    is part of it, up to a blank line outside the fence or a VERDICT/SUMMARY label: a summary
    quoting code (`</think>` or `<test>` lines included) keeps the quote, not only its first line."""
    first = match.group(1).strip()
    rest = match.string[match.end(1):].split("\n")[1:]
    if not first:
        while rest and not rest[0].strip():
            rest.pop(0)
        first, rest = (rest[0].strip().strip("*_`"), rest[1:]) if rest else ("", [])
    if not (first.endswith(":") or (rest and rest[0].lstrip().startswith("```"))):
        return first
    lines, fenced = [first], False
    for line in rest:
        if not fenced and (not line.strip() or _VERDICT.match(line) or _SUMMARY.match(line)):
            break
        fenced ^= line.lstrip().startswith("```")
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def _verdict(value: str) -> bool:
    words = " ".join(re.sub(r"[-_*`.,:;!()]", " ", value).upper().split())
    negative = re.match(r"(?:NOT RELEVANT|IRRELEVANT)\b", words)
    positive = re.match(r"RELEVANT\b", words)
    rest = words[(negative or positive).end():] if (negative or positive) else ""
    if (positive and re.search(r"\b(?:NOT (?:\w+ )?RELEVANT|NOT REALLY|IRRELEVANT|UNRELATED)\b", rest)) or (
            negative and re.match(r"\W*(?:OR\W+|AND\W+)?RELEVANT\b", rest)):
        raise MalformedAnswer(f"the verdict {value.strip()!r} contradicts itself; give exactly one of RELEVANT or "
                              "NOT RELEVANT")
    if negative:
        return False
    if positive:
        return True
    raise MalformedAnswer(f"the verdict {value.strip()!r} is neither RELEVANT nor NOT RELEVANT")


def shown_content(file: SourceFile, tokens: int, window: int, token_model: str) -> tuple[str, str]:
    """(form, text) the relevance model sees: the file, or its skeleton when it is too long."""
    if tokens <= window:
        return "full", file.text
    return "skeleton", skeleton_content(file, window, token_model)


def skeleton_content(file: SourceFile, window: int, token_model: str) -> str:
    """The file's skeleton, cut to roughly `window` tokens if even that is too long."""
    skeleton = skeleton_of(file.path, file.text)
    if skeleton is None:
        skeleton = file.text  # no grammar: the file itself, cut below
    if count_text(token_model, skeleton) > window:
        skeleton = skeleton[: window * 3] + "\n... (cut: the skeleton alone is too long)\n"
    return skeleton


def relevance_messages(issue: str, path: str, form: str, content: str) -> list[dict]:
    return [
        {"role": "system", "content": render("relevance", "system")},
        {"role": "user", "content": render("relevance", "user", issue=issue, path=path, form=form, content=content.rstrip("\n"))},
    ]


def cut_short(stage: str, reply: str, tokens: int) -> list[dict]:
    """The exchange to append when a reply was cut at the output limit: the cut reply and the
    stage's `truncated.md` (where it was cut, how to answer within the limit)."""
    return [{"role": "assistant", "content": reply or ""},
            {"role": "user", "content": render(stage, "truncated", tokens=tokens)}]


def asked_again(stage: str, reply: str, problem: str) -> list[dict]:
    """The exchange to append when a reply could not be read: the reply and the stage's
    `reask.md` naming the problem."""
    return [{"role": "assistant", "content": reply or ""},
            {"role": "user", "content": render(stage, "reask", problem=problem)}]


PROMPT_RESERVE = 1000
"""Tokens kept free in the relevance model's window for the instructions and tags."""


def model_window(model) -> int | None:
    """The model's input window from litellm's map, or None when litellm does not know it."""
    from agent.models.context_window import context_window

    return context_window(getattr(model, "litellm_model", None) or getattr(model, "name", ""))


def file_window(model, issue: str, config) -> int:
    """Tokens a file may have to be shown whole: the configured limit, lowered to what the
    model's window leaves after the issue, the instructions and the answer."""
    window = config.relevance_window_tokens
    known = model_window(model)
    if known:
        room = known - count_text(config.token_model, issue) - config.relevance_max_tokens - PROMPT_RESERVE
        window = min(window, max(room, PROMPT_RESERVE))
    return window


def judge_file(model, issue: str, file: SourceFile, *, ledger, meta: dict, config, window: int | None = None) -> RelevanceDecision:
    """Ask `model` whether `file` matters for `issue`; files over `window` tokens (default: the
    configured limit) are shown as skeletons. BudgetExceeded propagates."""
    window = window or config.relevance_window_tokens
    tokens = count_text(config.token_model, file.text)
    form, content = shown_content(file, tokens, window, config.token_model)
    decision = RelevanceDecision(status="failed", tokens=tokens, shown=form)
    messages = relevance_messages(issue, file.path, form, content)
    while decision.attempts < config.relevance_attempts:
        decision.attempts += 1
        try:
            completion = model.query(
                messages, ledger=ledger, stage="relevance", meta=meta,
                temperature=config.temperature, max_tokens=config.relevance_max_tokens,
            )
        except BudgetExceeded:
            raise
        except ContextWindowExceeded as exc:
            if form == "skeleton":
                decision.status, decision.error = "failed", f"too long even as a skeleton: {exc}"
                return decision
            form = decision.shown = "skeleton"
            content = skeleton_content(file, window, config.token_model)
            messages = relevance_messages(issue, file.path, form, content)
            continue
        except ModelError as exc:
            decision.status, decision.error = "error", f"{type(exc).__name__}: {exc}"
            return decision
        reply = completion.text
        if completion.finish_reason == "length":
            decision.error = "answer cut at the output limit"
            messages = messages + cut_short("relevance", reply, completion.usage.output_tokens or config.relevance_max_tokens)
            continue
        try:
            relevant, summary = parse_relevance(reply)
        except MalformedAnswer as exc:
            decision.error = f"malformed answer: {exc}"
            messages = messages + asked_again("relevance", reply, str(exc))
            continue
        decision.status = "relevant" if relevant else "not_relevant"
        decision.summary, decision.error = summary, ""
        return decision
    return decision
