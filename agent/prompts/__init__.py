"""Prompts are data: one directory of `.md` templates per stage, rendered by `render.py`."""
