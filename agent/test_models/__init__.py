"""Offline test-double models, registered as litellm custom providers so the real
`litellm.completion` path (and LitellmModel's retries, costs and budget) runs in tests.

- `replay:PATH` (`replay.ReplayModel`): answers from a script, can inject provider errors,
  raises `ReplayExhausted` when nothing in the script fits.
- `gold` / `gold:wrong=F` (`gold.GoldModel`): answers each stage's prompt from the instance's
  gold patch via `gold_answers/<stage>.py`; a fraction F of trajectories is answered wrongly.

For tests and the offline demo only: production code never falls back to them.
"""
