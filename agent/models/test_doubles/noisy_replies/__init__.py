"""Reply shapes of the `noisy` test double, one module per stage: `tolerated(clean, rng, messages)`
and `malformed(clean, rng, messages)` each return (reply text, shape names); a malformed reply
named just `truncated` is cut at the output limit by agent/models/test_doubles/noisy.py."""
