"""Test doubles that only tests and benchmarks use (the CLI-reachable ones, `gold`, `noisy` and
`replay`, stay in `agent/models/test_doubles/`):

- `http_provider.FakeProvider`: the Anthropic and OpenAI HTTP APIs on 127.0.0.1, billing through
  `prefix_cache.PrefixCache`;
- `recording.RecordingModel`: wraps a model and writes its replies as a replay script.
"""
