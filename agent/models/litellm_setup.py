"""The one place litellm is imported, on first use (it takes seconds to import)."""

from __future__ import annotations

import os


def load_litellm():
    """litellm, imported with the bundled price map (no network fetch at import) and quiet."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    return litellm
