"""Offline test-double models, registered as litellm custom providers so the real
`litellm.completion` path (and LitellmModel's retries, costs and budget) runs in tests.

- `replay:PATH` (`replay.ReplayModel`): answers from a script, can inject provider errors,
  raises `ReplayExhausted` when nothing in the script fits.
- `gold` / `gold:wrong=F,latency=S` (`gold.GoldModel`): answers each stage's prompt from the
  instance's gold patch via `gold_answers/<stage>.py`; a fraction F of trajectories is answered
  wrongly; each reply takes S seconds, as a real provider's do (benchmarks).
- `noisy` / `noisy:wrong=F,seed=S,malformed=M` (`noisy.NoisyModel`): the gold answers in the
  reply shapes real models produce (`noisy_replies/<stage>.py`), a fraction M of calls in a
  shape the pipeline must ask again, cut replies reported with finish_reason "length".

`make_model` finds them by name in `by_name.DOUBLES`; each registers its own litellm provider
(`providers.register_provider`) when its model is made. Doubles that only tests use (the fake
HTTP provider, the recording model) live in `tests/doubles/`.

For tests and the offline demo only: production code never falls back to them.
"""
