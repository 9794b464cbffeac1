"""Test doubles that only tests and benchmarks use (the CLI-reachable ones, `gold`, `noisy` and
`replay`, stay in `agent/models/test_doubles/`):

- `http_provider.FakeProvider`: the Anthropic and OpenAI HTTP APIs on 127.0.0.1, billing through
  `prefix_cache.PrefixCache`;
- `recording.RecordingModel`: wraps a model and writes its replies as a replay script;
- `rate_limited_endpoint`: an OpenAI- and Anthropic-shaped endpoint on 127.0.0.1 that counts every
  request, refused ones included, against requests/min and tokens/min windows, and answers 429
  (with and without retry-after) and 529.
"""
