"""A batch's run-wide budget gate (`codefix.core.budget_gate.BudgetGate`) shared by the Ray tasks of a
cluster: the gate lives in one small actor, and each task's ledger reaches it through
`RayBudgetGate`, which travels with the job. Every paid call of every node passes the same
gate before it is sent, and the driver reads the committed and reserved spend from it as the
calls happen."""

from __future__ import annotations

from typing import Any

from codefix.core.budget_gate import GateState


def start_ray_gate(budget: float, committed: float) -> "RayBudgetGate":
    """A gate actor for this batch (Ray must be initialised) on the driver's node, so the spend it
    counts survives the loss of any worker node; it ends with the driver's Ray."""
    from codefix.core.budget_gate import BudgetGate
    from codefix.stages.ray_shipping import driver_node_actor

    actor = driver_node_actor(BudgetGate, budget, committed)
    return RayBudgetGate(actor, budget)


class RayBudgetGate:
    """`BudgetGate`'s three methods, each a call to the gate actor (picklable: it is the actor's
    handle and the budget)."""

    def __init__(self, actor: Any, budget: float):
        self._actor = actor
        self.budget = budget
        """USD the whole run may spend."""

    def reserve(self, estimate: float) -> GateState | None:
        import ray

        return ray.get(self._actor.reserve.remote(estimate))

    def settle(self, estimate: float, cost: float) -> None:
        import ray

        ray.get(self._actor.settle.remote(estimate, cost))

    def snapshot(self) -> GateState:
        import ray

        return ray.get(self._actor.snapshot.remote())
