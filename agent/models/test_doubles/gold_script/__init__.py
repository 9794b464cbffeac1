"""The `gold` test double's reproduction script: a standalone program (`reproduce.py`, written
into the sandbox with its parameters filled in) and the host side that fills them in
(`params.py`: the instance's own test command and log format, from the SWE-bench specs)."""
