"""Where a sandbox keeps, inside its container, the record of the state it started in.

Written once when the sandbox starts (outside the repository and outside /tmp), read by
reset and by `patching.diff`.
"""

STATE_DIR = "/var/cache/codefix-sandbox"
BASE_FILE = f"{STATE_DIR}/base_commit"
"""The commit checked out at start."""
HEAD_REF_FILE = f"{STATE_DIR}/head_ref"
"""The branch HEAD pointed to at start (empty when detached)."""
UNTRACKED_LIST = f"{STATE_DIR}/untracked.list"
"""NUL-separated, sorted paths of the untracked and ignored files present at start."""
UNTRACKED_TAR = f"{STATE_DIR}/untracked.tar"
"""Those files, to restore on reset (build artefacts, egg-info, compiled extensions)."""
KEEPER_FILE = f"{STATE_DIR}/keeper_pid"
"""The pid of the container's idle main process (child of the init), never killed."""
