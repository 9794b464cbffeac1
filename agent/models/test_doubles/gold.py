"""`gold` / `gold:wrong=F` / `gold:wrong=F,latency=S`: answers every stage's prompt as a strong
model would, from the instance's gold patch and test patch (test double only). `latency` makes each
reply take S seconds, as a real provider's do (benchmarks weigh fixed per-call costs against it).

`GoldModel` puts the instance (looked up by `meta["instance_id"]` in its dataset), the stage,
the meta and the wrong fraction into the call's litellm metadata; the `codefix-gold` provider
decides whether this trajectory is one to get wrong and dispatches to
`agent/models/test_doubles/gold_answers/<stage>.py`, whose `answer(instance, messages, meta, wrong)`
returns the reply text.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable

from agent.models.litellm_model import LitellmModel
from agent.models.test_doubles.providers import register_provider
from codefix.core.errors import InputError, ModelError

GOLD_MODEL = "codefix-gold/gold"
"""The litellm model name of the gold provider."""
ANSWERS_PACKAGE = "agent.models.test_doubles.gold_answers"

AnswerFn = Callable[..., str]


class GoldAnswerMissing(ModelError):
    """No gold answer module exists for the stage asked."""


def is_wrong(trajectory: int | None, fraction: float) -> bool:
    """Whether trajectory `trajectory` is answered wrongly: exactly round-down(n * fraction) of
    any first n trajectories are, spread evenly; calls outside a trajectory never are."""
    if trajectory is None or fraction <= 0:
        return False
    t = int(trajectory)
    return math.floor((t + 1) * fraction + 1e-9) > math.floor(t * fraction + 1e-9)


class GoldModel(LitellmModel):
    """A LitellmModel on the `codefix-gold` provider, answering from the dataset's gold patches."""

    def __init__(self, dataset, *, wrong: float = 0.0, latency: float = 0.0, answers: dict[str, AnswerFn] | None = None,
                 **kwargs):
        if dataset is None:
            raise InputError("--model gold needs the dataset whose gold patches it answers from")
        if not 0.0 <= wrong <= 1.0:
            raise InputError(f"gold:wrong= wants a fraction between 0 and 1, got {wrong}")
        if not 0.0 <= latency <= 600.0:
            raise InputError(f"gold:latency= wants seconds between 0 and 600, got {latency}")
        register_provider(GOLD_MODEL, gold_answer)
        super().__init__("gold" if wrong == 0 else f"gold:wrong={wrong:g}", **kwargs)
        self.litellm_model = GOLD_MODEL
        self.dataset = dataset
        self.wrong = wrong
        self.latency = latency
        """Seconds each reply takes (the provider sleeps them before answering)."""
        self.answers = dict(answers or {})
        """Answer functions by stage that take precedence over gold_answers/<stage>.py (tests)."""

    def call_metadata(self, stage: str, meta: dict) -> dict:
        instance_id = meta.get("instance_id")
        if not instance_id:
            raise ModelError(f"the gold model needs meta['instance_id'] to answer a {stage} call")
        instance = self.dataset.get(instance_id)
        return {
            **super().call_metadata(stage, meta),
            "codefix_gold": {"instance": instance, "stage": stage, "meta": dict(meta),
                             "wrong_fraction": self.wrong, "answers": self.answers,
                             "latency": self.latency},
        }


def answer_for(stage: str, answers: dict[str, AnswerFn] | None = None) -> AnswerFn:
    """The answer function of `stage`: an override, else gold_answers/<stage>.py's `answer`."""
    if answers and stage in answers:
        return answers[stage]
    name = f"{ANSWERS_PACKAGE}.{stage}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise GoldAnswerMissing(f"the gold model has no answer for stage {stage!r} (no {name.replace('.', '/')}.py)") from exc
    fn = getattr(module, "answer", None)
    if not callable(fn):
        raise GoldAnswerMissing(f"{name} defines no answer(instance, messages, meta, wrong)")
    return fn


def gold_answer(model: str, messages: list, metadata: dict) -> str:
    """The provider side: dispatch to the stage's answer with the wrong decision made."""
    request = metadata.get("codefix_gold")
    if not isinstance(request, dict) or "instance" not in request:
        raise ModelError("the codefix-gold provider is reached through GoldModel (make_model('gold', dataset=...))")
    meta = request["meta"]
    wrong = is_wrong(meta.get("trajectory"), request["wrong_fraction"])
    fn = answer_for(request["stage"], request.get("answers"))
    if request.get("latency"):
        time.sleep(request["latency"])
    try:
        return fn(request["instance"], messages, meta, wrong)
    except ModelError:
        raise
    except Exception as exc:  # an answer module that cannot read the prompt: a clear error, never retried
        raise ModelError(f"gold answer for stage {request['stage']!r} failed: {type(exc).__name__}: {exc}") from exc


def from_spec(options: str, *, dataset, temperature: float | None = None, **kwargs) -> GoldModel:
    """The model of `--model gold` (`options` empty) or `gold:wrong=F,latency=S` (either or both)."""
    return GoldModel(dataset, **_options(options), temperature=temperature, **kwargs)


def _options(options: str) -> dict[str, float]:
    """`wrong=0.5,latency=2` as {"wrong": 0.5, "latency": 2.0}."""
    out: dict[str, float] = {}
    for part in filter(None, options.split(",")):
        key, _, value = part.partition("=")
        if key not in ("wrong", "latency") or not value or key in out:
            raise InputError(f"unknown gold option {part!r}; use gold, gold:wrong=0.6 or gold:wrong=0.6,latency=2")
        try:
            out[key] = float(value)
        except ValueError:
            raise InputError(f"gold:{key}= wants a number, got {value!r}") from None
    return out
