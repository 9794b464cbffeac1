"""Where a sandbox finds, inside its container, the state it starts in and returns to.

Every sandbox of an image mounts that image's pristine snapshot (`sandbox.docker.pristine`) read-only
at `PRISTINE_MOUNT`: a copy of the image's workdir and home as they are in the image, its base
commit and the files untracked at start. A run, even as root, cannot write there (and the
root filesystem is read-only too), so reset restores from a record nothing can have changed.
"""

PRISTINE_MOUNT = "/opt/codefix-pristine"
"""The read-only mount point of the image's snapshot volume."""
SNAPSHOT_DIR = f"{PRISTINE_MOUNT}/v1"
"""The complete snapshot (renamed into place only once fully written)."""
WORKDIR_COPY = f"{SNAPSHOT_DIR}/workdir"
"""The workdir (the repository, `.git` included) exactly as in the image."""
HOME_COPY = f"{SNAPSHOT_DIR}/home"
"""The home directory (/root) exactly as in the image."""
BASE_FILE = f"{SNAPSHOT_DIR}/base_commit"
"""The commit checked out in the image."""
UNTRACKED_LIST = f"{SNAPSHOT_DIR}/untracked.list"
"""NUL-separated, sorted paths of the untracked and ignored files present in the image."""
HOME = "/root"
"""The home directory sandboxes run in (as root)."""
SCRATCH_DIRS = ("/tmp", "/var/tmp")
"""Writable scratch areas (tmpfs), emptied on every reset; /dev/shm and /dev/mqueue too."""
