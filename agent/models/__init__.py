"""The model layer: everything between a stage's messages and a provider's reply.

- `factory.make_model(spec)`: the model a user named (`anthropic/...`, `gold`, `noisy:...`,
  `replay:PATH`); `litellm_model.LitellmModel`: the one adapter, over `litellm.completion`.
- `pricing`, `retry`, `caching`, `cache_warmup`, `context_window`: what every call goes through.
- `litellm_setup`: the one place litellm is imported (on first use, never at import time).
- `test_doubles/`: offline models registered as litellm custom providers.

Nothing is imported here, so importing a submodule stays cheap.
"""
