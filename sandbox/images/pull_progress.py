"""What a `docker pull` has done so far, read from the engine's JSON progress events (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

DONE_STATES = ("Pull complete", "Already exists")
MB = 1_000_000


@dataclass
class PullProgress:
    """Layers and bytes of one pull; `update` takes each event of the engine's stream."""

    image: str
    layers: dict[str, str] = field(default_factory=dict)
    """layer id → its last status ("Downloading", "Pull complete", ...)."""
    current: dict[str, int] = field(default_factory=dict)
    """layer id → bytes downloaded so far."""
    total: dict[str, int] = field(default_factory=dict)
    """layer id → the layer's size, as far as the engine has said."""
    error: str = ""
    """The engine's error message, when the stream reported one."""
    digest: str = ""

    def update(self, event: dict) -> None:
        if event.get("error") or event.get("errorDetail"):
            detail = event.get("errorDetail") or {}
            self.error = str(event.get("error") or detail.get("message") or "unknown pull error")
            return
        status = str(event.get("status", ""))
        if status.startswith("Digest: "):
            self.digest = status.split(" ", 1)[1]
        layer = event.get("id")
        if not layer or status.startswith("Pulling from"):  # names the tag, not a layer
            return
        self.layers[layer] = status
        detail = event.get("progressDetail") or {}
        if status == "Downloading" and detail.get("total"):
            self.current[layer] = int(detail.get("current", 0))
            self.total[layer] = int(detail["total"])
        elif status == "Download complete" and layer in self.total:
            self.current[layer] = self.total[layer]

    @property
    def layers_done(self) -> int:
        return sum(1 for s in self.layers.values() if s in DONE_STATES)

    @property
    def bytes_done(self) -> int:
        return sum(self.current.values())

    @property
    def bytes_total(self) -> int:
        return sum(self.total.values())

    def line(self) -> str:
        """E.g. `3/7 layers, 120.5/450.0 MB`."""
        text = f"{self.layers_done}/{len(self.layers)} layers"
        if self.bytes_total:
            text += f", {self.bytes_done / MB:.1f}/{self.bytes_total / MB:.1f} MB"
        return text
