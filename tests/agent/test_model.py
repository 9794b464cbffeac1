"""LitellmModel through real litellm (offline): usage and cost per call and per stage, the
budget checked before any call, prices for unknown models, prompt-cache marking, make_model,
and nothing heavy imported by `codefix --help`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agent.models.caching import apply_cache_marks, uses_cache_control
from agent.models.litellm_setup import load_litellm
from agent.models.litellm_model import usage_of
from agent.models.factory import make_model
from agent.models.pricing import call_cost, load_price_file, parse_price, price_of
from codefix.core.errors import BudgetExceeded, ContextWindowExceeded, InputError
from codefix.core.ledger import Ledger
from codefix.core.protocols import Usage

litellm = load_litellm()
MESSAGES = [{"role": "system", "content": "You judge files."}, {"role": "user", "content": "Is a.py relevant?"}]


def replay_model(tmp_path, entries):
    path = tmp_path / "script.json"
    path.write_text(json.dumps(entries))
    return make_model(f"replay:{path}")


def test_usage_and_cost_are_recorded_per_call_and_summed_per_stage(tmp_path) -> None:
    model = replay_model(tmp_path, [
        {"stage": "relevance", "reply": "VERDICT: RELEVANT\nSUMMARY: defines f", "repeat": True},
        {"stage": "ranking", "reply": "```\na.py\n```"},
    ])
    ledger = Ledger()
    first = model.query(MESSAGES, ledger=ledger, stage="relevance", meta={"path": "a.py"})
    model.query(MESSAGES, ledger=ledger, stage="relevance", meta={"path": "b.py"})
    model.query(MESSAGES, ledger=ledger, stage="ranking", meta={"ranking": 0})
    prompt = litellm.token_counter(model="gpt-4o", messages=MESSAGES)
    assert first.usage.input_tokens == prompt and first.usage.output_tokens > 0
    assert first.cost == pytest.approx(prompt * 1e-6 + first.usage.output_tokens * 2e-6)
    stages = ledger.by_stage()
    assert stages["relevance"]["calls"] == 2 and stages["ranking"]["calls"] == 1
    assert stages["relevance"]["input_tokens"] == 2 * prompt
    assert stages["relevance"]["cost"] == pytest.approx(2 * first.cost)
    assert ledger.spent > 0 and ledger.spent == pytest.approx(sum(s["cost"] for s in stages.values()))
    assert [c["meta"] for c in ledger.calls] == [{"path": "a.py"}, {"path": "b.py"}, {"ranking": 0}]


def test_a_budget_that_would_be_exceeded_stops_before_any_call(tmp_path) -> None:
    model = replay_model(tmp_path, [{"stage": "relevance", "reply": "x"}])
    with pytest.raises(BudgetExceeded):
        model.query(MESSAGES, ledger=Ledger(budget_usd=1e-6), stage="relevance")
    assert model.script.used == [False]  # nothing reached the provider


def test_a_budget_is_overrun_by_at_most_one_call(tmp_path) -> None:
    model = replay_model(tmp_path, [{"stage": "relevance", "reply": "y" * 40, "repeat": True}])
    one = model.estimate(MESSAGES, 100)
    ledger = Ledger(budget_usd=one * 2.5)
    calls = 0
    with pytest.raises(BudgetExceeded):
        for _ in range(100):
            model.query(MESSAGES, ledger=ledger, stage="relevance", max_tokens=100)
            calls += 1
    assert calls >= 2 and ledger.spent <= ledger.budget and ledger.totals()["calls"] == calls


def test_estimate_counts_the_prompt_and_the_whole_output_allowance(tmp_path) -> None:
    model = replay_model(tmp_path, [])
    prompt = litellm.token_counter(model="gpt-4o", messages=MESSAGES)
    # test doubles: $1/M input, $1.25/M cache write (the dearer prompt price), $2/M output
    assert model.estimate(MESSAGES, 1000) == pytest.approx(prompt * 1.25e-6 + 1000 * 2e-6)
    assert model.estimate(MESSAGES, None) == pytest.approx(prompt * 1.25e-6 + 8192 * 2e-6)  # the model's output limit


def test_an_unknown_model_has_no_price_and_cannot_run_under_a_budget() -> None:
    model = make_model("openai/codefix-no-such-local-model", api_base="http://127.0.0.1:9/v1")
    assert price_of(model.litellm_model) is None and call_cost(model.litellm_model, Usage(10, 10)) == 0.0
    with pytest.raises(InputError, match="no price known"):
        model.query(MESSAGES, ledger=Ledger(budget_usd=1.0), stage="relevance")


def test_prices_from_price_option_and_price_file_reach_litellm(tmp_path) -> None:
    model = make_model("local-qwen-coder-test", api_base="http://127.0.0.1:9/v1", price="0.5,1.5")
    assert model.litellm_model == "openai/local-qwen-coder-test"
    assert call_cost(model.litellm_model, Usage(1_000_000, 1_000_000)) == pytest.approx(2.0)
    prices = tmp_path / "prices.yaml"
    prices.write_text("openai/codefix-file-priced:\n  input: 3\n  output: 15\n  cache_read: 0.3\n  cache_write: 3.75\n")
    assert load_price_file(prices) == ["openai/codefix-file-priced"]
    assert make_model("openai/codefix-file-priced", price_file=prices).estimate(MESSAGES, 0) > 0
    cost = call_cost("openai/codefix-file-priced", Usage(1000, 100, 2000, 400))
    assert cost == pytest.approx(1000 * 3e-6 + 100 * 15e-6 + 2000 * 0.3e-6 + 400 * 3.75e-6)
    with pytest.raises(InputError):
        parse_price("openai/x", "cheap")
    prices.write_text("openai/y: {input: 1}\n")
    with pytest.raises(InputError, match="needs at least"):
        load_price_file(prices)


def test_known_provider_prices_include_cache_reads_and_writes() -> None:
    cost = call_cost("anthropic/claude-sonnet-4-5", Usage(1000, 100, 10_000, 2000))
    assert cost == pytest.approx(1000 * 3e-6 + 100 * 15e-6 + 10_000 * 0.3e-6 + 2000 * 3.75e-6)


def test_usage_from_anthropic_and_openai_responses_excludes_cached_tokens_from_input() -> None:
    anthropic = litellm.ModelResponse(usage=litellm.Usage(
        prompt_tokens=1500, completion_tokens=20, total_tokens=1520,
        cache_read_input_tokens=1000, cache_creation_input_tokens=300))
    assert usage_of(anthropic) == Usage(200, 20, 1000, 300)
    openai = litellm.ModelResponse(usage=litellm.Usage(
        prompt_tokens=1500, completion_tokens=20, total_tokens=1520, prompt_tokens_details={"cached_tokens": 1024}))
    assert usage_of(openai) == Usage(476, 20, 1024, 0)


def test_cache_flag_becomes_cache_control_for_anthropic_and_is_stripped_elsewhere() -> None:
    messages = [
        {"role": "system", "content": "rules"},
        {"role": "user", "content": "context...", "cache": True},
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], "cache": True},
        {"role": "user", "content": "question"},
    ]
    marked = apply_cache_marks(messages, cache_control=True)
    assert marked[1]["content"] == [{"type": "text", "text": "context...", "cache_control": {"type": "ephemeral"}}]
    assert marked[2]["content"][0] == {"type": "text", "text": "a"}
    assert marked[2]["content"][1]["cache_control"] == {"type": "ephemeral"}
    assert marked[0] == messages[0] and marked[3] == messages[3]
    assert all("cache" not in m for m in marked)
    plain = apply_cache_marks(messages, cache_control=False)
    assert plain[1] == {"role": "user", "content": "context..."} and all("cache" not in m for m in plain)
    assert messages[1]["cache"] is True and messages[2]["content"][1] == {"type": "text", "text": "b"}  # input untouched


@pytest.mark.parametrize("model, expected", [
    ("anthropic/claude-sonnet-4-5", True),
    ("openai/gpt-4.1", False),
    ("deepseek/deepseek-chat", False),
    ("openai/qwen2.5-coder-32b", False),
    ("bedrock/anthropic.claude-3-7-sonnet-20250219-v1:0", True),
])
def test_which_providers_get_cache_control(model, expected) -> None:
    assert uses_cache_control(model) is expected


def test_make_model_rejects_bad_specs_with_one_line_input_errors(tmp_path) -> None:
    for spec, message in [("", "empty"), ("gold", "needs the dataset"), ("replay:" + str(tmp_path / "nope.json"), "not found"),
                          ("gold:wrong=lots", "wants a number"), ("gold:right=1", "unknown gold option"),
                          ("no-such-provider-xyz/model", "does not know the provider")]:
        with pytest.raises(InputError, match=message):
            make_model(spec)


def test_cli_help_and_the_model_modules_do_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from codefix.cli import main\n"
        "import agent.models.factory, agent.models.litellm_model, agent.models.retry, agent.models.pricing, codefix.cli.model_options, codefix.core.ledger\n"
        "rc = main(['--help'])\n"
        "heavy = [m for m in ('litellm', 'docker', 'datasets', 'swebench') if m in sys.modules]\n"
        "print('HEAVY', heavy, rc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY [] 0" in out.stdout, out.stdout + out.stderr


class FakeProviderServer:
    """Test double: a local HTTP server speaking just enough of the Anthropic Messages and
    OpenAI chat-completions APIs; answers from a plan of (status, headers, body) and records
    every request body, so litellm's real HTTP clients run end to end."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.plan: list[tuple[int, dict, dict]] = []
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((self.path, body))
                status, headers, payload = server.plan.pop(0)
                data = json.dumps(payload).encode()
                self.send_response(status)
                for key, value in {**headers, "Content-Type": "application/json", "Content-Length": str(len(data))}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def provider_server():
    server = FakeProviderServer()
    yield server
    server.close()


ANTHROPIC_OK = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                "content": [{"type": "text", "text": "patched"}], "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": 20, "output_tokens": 5, "cache_creation_input_tokens": 300, "cache_read_input_tokens": 1000}}
OPENAI_OK = {"id": "c1", "object": "chat.completion", "created": 1, "model": "qwen-local",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 1500, "completion_tokens": 7, "total_tokens": 1507, "prompt_tokens_details": {"cached_tokens": 1024}}}


def test_anthropic_over_http_gets_cache_control_and_its_429_retry_after_is_honoured(provider_server) -> None:
    from agent.models.litellm_model import LitellmModel

    from tests.doubles.fake_clock import fake_time_limiter

    limiter, clock = fake_time_limiter()
    model = LitellmModel("anthropic/claude-sonnet-4-5", api_base=provider_server.url, api_key="test-key", limiter=limiter)
    provider_server.plan = [(429, {"retry-after": "3"}, {"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}}),
                            (200, {}, ANTHROPIC_OK)]
    messages = [{"role": "system", "content": "rules"}, {"role": "user", "content": "packed context", "cache": True},
                {"role": "user", "content": "the question"}]
    ledger = Ledger()
    done = model.query(messages, ledger=ledger, stage="editing", meta={"trajectory": 0})
    assert clock.slept == [3.0] and len(provider_server.requests) == 2  # the endpoint paused as asked
    path, body = provider_server.requests[-1]
    assert path == "/v1/messages"
    blocks = body["messages"][0]["content"]
    assert blocks[0] == {"type": "text", "text": "packed context", "cache_control": {"type": "ephemeral"}}
    assert "cache_control" not in blocks[1]
    assert done.text == "patched" and done.usage == Usage(20, 5, 1000, 300)
    assert done.cost == pytest.approx(20 * 3e-6 + 5 * 15e-6 + 1000 * 0.3e-6 + 300 * 3.75e-6)
    assert ledger.by_stage()["editing"]["cache_read_tokens"] == 1000


def test_local_openai_compatible_server_retries_5xx_not_401_and_never_sees_the_cache_flag(provider_server) -> None:
    from agent.models.litellm_model import LitellmModel
    from codefix.core.errors import ModelError

    slept: list[float] = []
    model = make_model("qwen-local", api_base=provider_server.url + "/v1", api_key="k", sleep=slept.append)
    assert isinstance(model, LitellmModel) and model.litellm_model == "openai/qwen-local"
    provider_server.plan = [(503, {}, {"error": {"message": "overloaded"}}), (200, {}, OPENAI_OK)]
    done = model.query([{"role": "user", "content": "ctx", "cache": True}], ledger=Ledger(), stage="relevance", temperature=0.0)
    assert done.text == "hello" and done.usage == Usage(476, 7, 1024, 0) and len(slept) == 1
    assert provider_server.requests[-1][1]["messages"] == [{"role": "user", "content": "ctx"}]
    assert provider_server.requests[-1][1]["temperature"] == 0.0
    provider_server.plan = [(401, {}, {"error": {"message": "bad key"}}), (200, {}, OPENAI_OK)]
    with pytest.raises(ModelError, match="AuthenticationError"):
        model.query(MESSAGES, ledger=Ledger(), stage="relevance")
    assert len(provider_server.requests) == 3 and len(slept) == 1
    too_long = {"error": {"message": "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
                          "type": "invalid_request_error", "code": "context_length_exceeded"}}
    provider_server.plan = [(400, {}, too_long), (200, {}, OPENAI_OK)]
    with pytest.raises(ContextWindowExceeded):
        model.query(MESSAGES, ledger=Ledger(), stage="relevance")
    assert len(provider_server.requests) == 4 and len(slept) == 1


def test_a_known_input_token_limit_paces_calls_by_the_prompt_counted_before_it_is_sent(provider_server) -> None:
    """Without a budget and with a prompt that surely fits the window, the model counts the prompt
    only because the endpoint has a known input-token limit: the limiter must hold the second call
    until the first one's tokens are back in the bucket (100 tokens/s here)."""
    from agent.models.context_window import count_prompt
    from agent.models.litellm_model import LitellmModel
    from tests.doubles.fake_clock import fake_time_limiter

    limiter, clock = fake_time_limiter(input_tokens_per_minute=6000, pace=1.0)
    model = LitellmModel("openai/qwen-local", api_base=provider_server.url + "/v1", api_key="k", limiter=limiter)
    provider_server.plan = [(200, {}, OPENAI_OK), (200, {}, OPENAI_OK)]
    prompt = [{"role": "user", "content": "def f():\n    return 1\n" * 200}]
    tokens = count_prompt("openai/qwen-local", prompt)
    for _ in range(2):
        model.query(prompt, ledger=Ledger(), stage="relevance")
    assert tokens > 1000 and len(provider_server.requests) == 2
    assert clock.slept == [pytest.approx(tokens / 100, abs=0.01)]  # the first call took the bucket into debt


def test_shared_click_model_options_parse_and_reject_a_non_positive_budget() -> None:
    import click
    from click.testing import CliRunner

    from codefix.cli.model_options import model_options

    @click.command()
    @model_options()
    def show(model, relevance_model, api_base, relevance_api_base, budget, price, price_file):
        click.echo(f"{model}|{relevance_model}|{api_base}|{relevance_api_base}|{budget}|{price}|{price_file}")

    runner = CliRunner()
    out = runner.invoke(show, ["-m", "gold", "--relevance-model", "openai/qwen", "--api-base", "http://h/v1", "--budget", "2.5", "--price", "1,2",
                               "--relevance-api-base", "http://r/v1"])
    assert out.exit_code == 0 and out.output.strip() == "gold|openai/qwen|http://h/v1|http://r/v1|2.5|1,2|None"
    bad = runner.invoke(show, ["--budget", "0"])
    assert bad.exit_code != 0 and "positive" in bad.output
