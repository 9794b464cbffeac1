"""What a Ray task tells the driver about its paid calls, without a cluster: the checkpoint sink's
bookkeeping (`ArtefactSink`, a plain class that Ray runs as an actor) and the task's gate
(`CheckpointingGate`) feeding it."""

from codefix.stages.ray_shipping import ArtefactSink, CheckpointingGate


class ToSink:
    """TEST DOUBLE of the task's two messages to the sink actor: kept in order of sending, then
    delivered to a real `ArtefactSink` in whatever order the test says (Ray does not order the
    messages of two threads)."""

    def __init__(self):
        self.sent: list[tuple] = []

    def push(self, held) -> None:
        self.sent.append(("put", held))

    def hold(self, held) -> None:
        self.sent.append(("hold", held))

    def deliver(self, sink: ArtefactSink, order=None) -> None:
        numbered = list(enumerate(self.sent, start=1))  # a put's sequence number is its place in sending
        for seq, (kind, held) in (numbered if order is None else [numbered[i] for i in order]):
            if kind == "put":
                sink.put("i", 1, seq, b"archive", held)
            else:
                sink.hold("i", 1, held)


class Gate:
    """TEST DOUBLE of the run's budget gate: grants everything, counts settles."""

    budget = 1.0

    def __init__(self):
        self.settled: list[tuple[float, float]] = []

    def reserve(self, estimate):
        return None

    def settle(self, estimate, cost):
        self.settled.append((estimate, cost))


def test_a_settled_call_is_one_message_carrying_its_checkpoint_and_what_is_still_in_flight():
    wire, inner = ToSink(), Gate()
    gate = CheckpointingGate(inner, wire.push, wire.hold)
    gate.reserve(0.2)
    gate.reserve(0.3)
    gate.settle(0.2, 0.05)
    assert wire.sent == [("hold", (1, [0.2])), ("hold", (2, [0.2, 0.3])), ("put", (3, [0.3]))]
    assert inner.settled == [(0.2, 0.05)]
    sink = ArtefactSink()
    wire.deliver(sink)
    assert sink.holding("i") == [0.3]


def test_a_list_that_lands_late_never_replaces_a_newer_one():
    wire = ToSink()
    gate = CheckpointingGate(None, wire.push, wire.hold)
    gate.reserve(0.2)
    gate.reserve(0.3)
    gate.settle(0.3, 0.1)
    gate.settle(0.2, 0.1)
    sink = ArtefactSink()
    wire.deliver(sink, order=[3, 2, 1, 0])  # the last settle's checkpoint lands first
    assert sink.holding("i") == []
    assert sink.newer({})["i"][:2] == (1, 4)  # the checkpoint kept is the newest by sequence


def test_a_later_attempt_s_list_wins_and_drop_forgets_the_instance():
    sink = ArtefactSink()
    sink.hold("i", 2, (1, [0.4]))
    sink.hold("i", 1, (9, [0.1, 0.2]))  # the lost first attempt's message, landing late
    assert sink.holding("i") == [0.4]
    sink.put("i", 1, 5, b"old", (10, []))
    assert sink.holding("i") == [0.4] and sink.newer({})["i"] == (1, 5, b"old")
    sink.put("i", 2, 1, b"new", (2, []))
    assert sink.holding("i") == [] and sink.newer({"i": (1, 5)})["i"] == (2, 1, b"new")
    sink.drop("i")
    assert sink.holding("i") == [] and sink.newer({}) == {}


def test_a_refused_call_is_never_reported_in_flight():
    class Refusing(Gate):
        def reserve(self, estimate):
            return "spent"

    wire = ToSink()
    assert CheckpointingGate(Refusing(), wire.push, wire.hold).reserve(0.2) == "spent"
    assert wire.sent == []
