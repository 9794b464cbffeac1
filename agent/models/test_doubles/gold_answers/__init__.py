"""Per-stage gold answers: `<stage>.py` exposes `answer(instance, messages, meta, wrong) -> str`,
the reply a strong model would give to that stage's prompt (see agent/models/test_doubles/gold.py)."""
