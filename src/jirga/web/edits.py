"""Edits a person makes in the web app, applied to a scenario.

An edit sets one number: an actor's capability, or the position, salience or own capability
of its current stance on an issue. Edits apply in order (a later edit of the same number wins)
and never touch the file until the scenario is saved.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Literal

from pydantic import Field, field_validator

from jirga.errors import JirgaError
from jirga.scenario.model import Identifier, Interval, Scenario, StrictModel, Value

Quantity = Literal["position", "salience", "capability"]


class Edit(StrictModel):
    """Set ``quantity`` of ``actor`` (on ``issue``; an actor's own capability when ``issue`` is None) to ``value``."""

    quantity: Quantity
    actor: Identifier
    issue: Identifier | None = None
    value: float = Field(strict=True, description="The new number (a JSON number: not a string, not a boolean).")

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {value}")
        return value


def moved(value: Value, new: float, lower: float, upper: float) -> Value:
    """``value`` set to ``new``: its uncertainty interval keeps its width around the new value
    (clipped to [lower, upper]) and its evidence stays attached."""
    interval = None
    if value.interval is not None:
        # new − (distance below) and new + (distance above), not low + shift and high + shift:
        # the distances are >= 0, so rounding can never leave the new value outside.
        below, above = value.value - value.interval.low, value.interval.high - value.value
        interval = Interval(low=max(lower, new - below), high=min(upper, new + above))
    return Value(value=new, interval=interval, evidence=value.evidence)


def apply_edits(scenario: Scenario, edits: Sequence[Edit], as_of: dt.date | None = None) -> Scenario:
    """The scenario with every edit applied to the stances held on ``as_of`` (latest if None).

    Raise :class:`JirgaError` (field ``edits[i]...``) for an unknown actor or issue, an actor
    without a stance on the issue, or a number outside its range.
    """
    actors = list(scenario.actors)
    stances = list(scenario.stances)
    actor_row = {actor.id: row for row, actor in enumerate(actors)}
    current = {(stance.actor, stance.issue): stance for stance in scenario.current_stances(as_of)}
    stance_row = {(stance.actor, stance.issue): row for row, stance in enumerate(stances) if current.get((stance.actor, stance.issue)) is stance}
    for index, edit in enumerate(edits):
        where = f"edits[{index}]"
        if edit.actor not in actor_row:
            raise JirgaError(f"unknown actor {edit.actor!r}", field=f"{where}.actor")
        if edit.quantity == "capability" and edit.issue is None:
            if edit.value < 0:
                raise JirgaError(f"capability must be >= 0, got {edit.value:g}", field=f"{where}.value")
            row = actor_row[edit.actor]
            actors[row] = actors[row].model_copy(update={"capability": moved(actors[row].capability, edit.value, 0.0, math.inf)})
            continue
        if edit.issue is None:
            raise JirgaError(f"a {edit.quantity} edit needs an issue", field=f"{where}.issue")
        try:
            issue = scenario.issue(edit.issue)
        except KeyError:
            raise JirgaError(f"unknown issue {edit.issue!r}", field=f"{where}.issue") from None
        row = stance_row.get((edit.actor, edit.issue))
        if row is None:
            raise JirgaError(f"{edit.actor!r} takes no part on issue {edit.issue!r}", field=f"{where}.actor")
        stance = stances[row]
        if edit.quantity == "position":
            if not issue.lower <= edit.value <= issue.upper:
                raise JirgaError(f"position {edit.value:g} lies outside the scale [{issue.lower:g}, {issue.upper:g}] of {issue.id!r}", field=f"{where}.value")
            update = {"position": moved(stance.position, edit.value, issue.lower, issue.upper)}
        elif edit.quantity == "salience":
            if not 0.0 <= edit.value <= 1.0:
                raise JirgaError(f"salience must lie in [0, 1], got {edit.value:g}", field=f"{where}.value")
            update = {"salience": moved(stance.salience, edit.value, 0.0, 1.0)}
        else:
            if edit.value < 0:
                raise JirgaError(f"capability must be >= 0, got {edit.value:g}", field=f"{where}.value")
            own = stance.capability or actors[actor_row[edit.actor]].capability
            update = {"capability": moved(own, edit.value, 0.0, math.inf)}
        stances[row] = stance.model_copy(update=update)
    return scenario.model_copy(update={"actors": tuple(actors), "stances": tuple(stances)})
