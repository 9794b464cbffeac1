"""`noisy` / `noisy:wrong=0.5,seed=3,malformed=0.1`: the gold answers wrapped in the reply shapes
real models produce (test double only).

Every reply is the `gold` double's answer (agent/models/test_doubles/gold.py), reshaped by
`noisy_replies/<stage>.py`: prose around the answer, quoted snippets, `<think>` drafts holding a
decoy answer, JSON and numbered rankings, bold verdicts, path prefixes, marker lengths,
indentation drift, CRLF line endings. A fraction `malformed` of the calls (never two in a row)
gets a shape that must be asked again instead: ACCEPT together with code, two answers, code
outside the tags, a reply cut at the output limit (reported with finish_reason "length", its
completion tokens filling the call's max_tokens like a real API). Everything is drawn from a
seed and the call's identity (instance, stage, trajectory, file, call number), so a run is
repeatable and thread scheduling does not matter.

After a malformed reply the conversation holds a re-ask; the double answers as the model would
on the conversation without that exchange, so the pipeline gets the gold answer again. With
`journal`, every call is appended to a JSONL file (the clean answer, the reply, its shapes),
which `benchmarks/reply_fidelity_bench.py` reads.
"""

from __future__ import annotations

import importlib
import json
import random
import threading
from pathlib import Path

from agent.models.test_doubles.gold import GoldModel, gold_answer
from agent.models.test_doubles.providers import ProviderReply, register_provider
from codefix.core.errors import InputError, ModelError

DEFAULT_MALFORMED = 0.1
"""Share of calls answered in a shape the pipeline must ask again (the default noise)."""
TRUNCATED = "truncated"
"""The malformed shape of a reply cut at the output limit."""

NOISY_MODEL = "codefix-noisy/noisy"
"""The litellm model name of the noisy provider."""


class NoisyModel(GoldModel):
    """A GoldModel on the `codefix-noisy` provider: gold answers in realistic reply shapes."""

    def __init__(self, dataset, *, wrong: float = 0.0, seed: int = 0, malformed: float = DEFAULT_MALFORMED,
                 journal: str | Path | None = None, **kwargs):
        if not 0.0 <= malformed <= 1.0:
            raise InputError(f"noisy:malformed= wants a fraction between 0 and 1, got {malformed}")
        super().__init__(dataset, wrong=wrong, **kwargs)
        register_provider(NOISY_MODEL, noisy_answer)
        options = [f"wrong={wrong:g}"] * bool(wrong) + [f"seed={seed}"] * bool(seed) + \
            [f"malformed={malformed:g}"] * (malformed != DEFAULT_MALFORMED)
        self.name = "noisy" + (":" + ",".join(options) if options else "")
        self.litellm_model = NOISY_MODEL
        self.seed, self.malformed = seed, malformed
        self.journal = Journal(Path(journal)) if journal else None

    def call_metadata(self, stage: str, meta: dict) -> dict:
        return {**super().call_metadata(stage, meta),
                "codefix_noisy": {"seed": self.seed, "malformed": self.malformed, "journal": self.journal}}


class Journal:
    """Appends one JSON line per call to `path` (thread-safe)."""

    def __init__(self, path: Path):
        self.path, self._lock = path, threading.Lock()

    def write(self, record: dict) -> None:
        line = json.dumps(record, sort_keys=True)
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def parse_noisy_options(options: str) -> dict:
    """`wrong=0.5,seed=3,malformed=0.2` → keyword arguments of NoisyModel."""
    kinds = {"wrong": float, "seed": int, "malformed": float}
    out: dict = {}
    for part in filter(None, (p.strip() for p in options.split(","))):
        key, _, value = part.partition("=")
        if key not in kinds or not value:
            raise InputError(f"unknown noisy option {part!r}; use noisy or noisy:wrong=0.5,seed=3,malformed=0.1")
        try:
            out[key] = kinds[key](value)
        except ValueError:
            raise InputError(f"noisy:{key}= wants a number, got {value!r}") from None
    return out


def call_key(seed: int, instance_id: str, stage: str, meta: dict) -> str:
    """What identifies a conversation, whatever thread runs it."""
    ident = {k: meta[k] for k in ("trajectory", "machine", "path", "ranking") if k in meta}
    return f"{seed}|{instance_id}|{stage}|{json.dumps(ident, sort_keys=True)}"


def is_malformed(key: str, call: int, rate: float) -> bool:
    """Whether call number `call` (0-based) of the conversation gets a malformed shape: drawn
    with probability `rate`, never for two calls in a row."""
    if rate <= 0 or call < 0:
        return False
    drawn = random.Random(f"{key}|{call}|plan").random() < rate
    return drawn and not is_malformed(key, call - 1, rate)


def without_reasks(messages: list[dict], key: str, rate: float) -> list[dict]:
    """The conversation without each malformed reply and the message that answered it."""
    out, call, skip = [], 0, False
    for message in messages:
        if skip and message.get("role") == "user":
            skip = False
            continue
        skip = False
        if message.get("role") == "assistant":
            if is_malformed(key, call, rate):
                skip = True
                call += 1
                continue
            call += 1
        out.append(message)
    return out


def noisy_answer(model: str, messages: list, metadata: dict):
    """The provider side: the gold answer to the conversation without re-asks, reshaped."""
    noisy, gold = metadata.get("codefix_noisy"), metadata.get("codefix_gold")
    if not isinstance(noisy, dict) or not isinstance(gold, dict):
        raise ModelError("the codefix-noisy provider is reached through NoisyModel (make_model('noisy', dataset=...))")
    stage, meta = gold["stage"], gold["meta"]
    key = call_key(noisy["seed"], gold["instance"].instance_id, stage, meta)
    call = sum(1 for m in messages if m.get("role") == "assistant")
    clean = gold_answer(model, without_reasks(messages, key, noisy["malformed"]), metadata)
    shapes = shapes_of(stage)
    rng = random.Random(f"{key}|{call}|shape")
    malformed = is_malformed(key, call, noisy["malformed"])
    if malformed:
        text, names = shapes.malformed(clean, rng, messages)
    else:
        text, names = shapes.tolerated(clean, rng, messages)
    truncated = names == [TRUNCATED]
    if truncated:
        from agent.models.test_doubles.noisy_replies.common import cut_at_limit

        text = cut_at_limit(text, rng, metadata.get("codefix_max_tokens"))
    if noisy.get("journal") is not None:
        noisy["journal"].write({"instance_id": gold["instance"].instance_id, "stage": stage, "meta": meta,
                                "call": call, "malformed": malformed, "shapes": names, "clean": clean,
                                "reply": text, "messages": len(messages)})
    return ProviderReply(text, "length" if truncated else "stop")


def shapes_of(stage: str):
    """The module of `agent/models/test_doubles/noisy_replies/` that shapes `stage`'s replies."""
    try:
        return importlib.import_module(f"agent.models.test_doubles.noisy_replies.{stage}")
    except ModuleNotFoundError as exc:
        raise ModelError(f"the noisy model has no reply shapes for stage {stage!r}") from exc


def from_spec(options: str, *, dataset, temperature: float | None = None, **kwargs) -> NoisyModel:
    """The model of `--model noisy` or `noisy:wrong=F,seed=S,malformed=M` (`options` after the colon)."""
    return NoisyModel(dataset, **parse_noisy_options(options), temperature=temperature, **kwargs)
