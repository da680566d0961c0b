"""The scenario data model: actors, issues, stances and the evidence behind each number.

A scenario is plain data (pydantic models) that reads and writes as YAML. Numbers live on
the issue's own scale (0-100 by default); saliences are in [0, 1].
"""

from __future__ import annotations

import datetime as dt
import math
import re
from enum import Enum
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ID_CHARACTERS = r"A-Za-z0-9_.\-"
Identifier = Annotated[str, Field(min_length=1, pattern=rf"^[{_ID_CHARACTERS}]+$")]
"""Ids are short, stable and safe to use in file names and URLs."""
_NOT_ID_CHARACTERS = re.compile(rf"[^{_ID_CHARACTERS}]+")


def identifier(text: str) -> str:
    """An id made from a name: each run of characters other than ``A-Za-z0-9_.-`` becomes ``_``,
    and ``_`` at either end is dropped ("" when ``text`` has no such character)."""
    return _NOT_ID_CHARACTERS.sub("_", text.strip()).strip("_")


class StrictModel(BaseModel):
    """A frozen model that rejects unknown keys (a misspelt key is an error, not ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Interval(StrictModel):
    """A closed interval [low, high] that the true value is believed to lie in."""

    low: float
    high: float

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, data: object) -> object:
        """Accept the compact YAML form ``[low, high]``."""
        if isinstance(data, (list, tuple)):
            if len(data) != 2:
                raise ValueError(f"an interval is [low, high], got {len(data)} numbers")
            return {"low": data[0], "high": data[1]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


class Evidence(StrictModel):
    """A quotation from a source document that supports a number."""

    document: str
    quote: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    date: dt.date | None = None
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    judgement: bool = False
    """True when the number is the analyst's judgement and the quote only gives context."""


class ActorKind(str, Enum):
    state = "state"
    government = "government"
    armed_group = "armed group"
    organisation = "organisation"
    person = "person"


class Value(StrictModel):
    """A number with its uncertainty interval and the evidence behind it."""

    value: float
    interval: Interval | None = None
    evidence: tuple[Evidence, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data: object) -> object:
        """Accept a bare number for a value with no interval and no evidence."""
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return {"value": data}
        return data

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError(f"value must be finite, got {value}")
        return value

    @model_validator(mode="after")
    def _value_in_interval(self) -> Value:
        if self.interval is not None and not self.interval.contains(self.value):
            raise ValueError(
                f"interval [{self.interval.low}, {self.interval.high}] excludes the value {self.value}"
            )
        return self


class Actor(StrictModel):
    id: Identifier
    name: str
    kind: ActorKind = ActorKind.state
    aliases: tuple[str, ...] = ()
    description: str = ""
    capability: Value

    @field_validator("capability")
    @classmethod
    def _non_negative(cls, capability: Value) -> Value:
        return _non_negative_capability(capability)


class Anchor(StrictModel):
    """A labelled point of an issue's scale."""

    value: float
    label: str = Field(min_length=1)


class Issue(StrictModel):
    """A policy dimension: a closed scale [lower, upper] with labelled anchor points."""

    id: Identifier
    name: str
    description: str = ""
    lower: float = 0.0
    upper: float = 100.0
    anchors: tuple[Anchor, ...] = ()
    status_quo: float | None = None

    @field_validator("anchors", mode="before")
    @classmethod
    def _from_mapping(cls, anchors: object) -> object:
        """Accept the compact YAML form ``{0: "label", 100: "label"}``."""
        if isinstance(anchors, dict):
            return [{"value": value, "label": label} for value, label in anchors.items()]
        return anchors

    @model_validator(mode="after")
    def _scale(self) -> Issue:
        if not self.lower < self.upper:
            raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
        for anchor in self.anchors:
            if not self.lower <= anchor.value <= self.upper:
                raise ValueError(f"anchor {anchor.value} lies outside [{self.lower}, {self.upper}]")
        if self.status_quo is not None and not self.lower <= self.status_quo <= self.upper:
            raise ValueError(f"status_quo {self.status_quo} lies outside [{self.lower}, {self.upper}]")
        return self

    def label(self, value: float) -> str:
        """Words for ``value``: the nearest anchor's label, prefixed '≈' unless within 0.5% of it."""
        if not self.anchors:
            return ""
        nearest = min(self.anchors, key=lambda anchor: abs(anchor.value - value))
        if abs(nearest.value - value) <= 0.005 * (self.upper - self.lower):
            return nearest.label
        return f"≈ {nearest.label}"


class Stance(StrictModel):
    """An actor's position on an issue and how much the issue matters to it."""

    actor: Identifier
    issue: Identifier
    position: Value
    salience: Value
    capability: Value | None = None
    """Issue-specific capability (decide's per-issue power); defaults to the actor's."""
    date: dt.date | None = None
    """When the actor held this stance. An actor may have several dated stances on one issue
    (how its position moved); a forecast as of a date uses the latest one held by then."""

    @field_validator("salience")
    @classmethod
    def _unit_salience(cls, salience: Value) -> Value:
        if not 0.0 <= salience.value <= 1.0:
            raise ValueError(f"salience must lie in [0, 1], got {salience.value}")
        return salience

    @field_validator("capability")
    @classmethod
    def _non_negative(cls, capability: Value | None) -> Value | None:
        return capability if capability is None else _non_negative_capability(capability)


class Source(StrictModel):
    """A document that evidence quotes."""

    id: str
    title: str = ""
    publisher: str = ""
    date: dt.date | None = None
    url: str = ""


class Scenario(StrictModel):
    name: str
    description: str = ""
    as_of: dt.date | None = None
    actors: tuple[Actor, ...]
    issues: tuple[Issue, ...]
    stances: tuple[Stance, ...]
    sources: tuple[Source, ...] = ()

    def actor(self, actor_id: str) -> Actor:
        return _find(self.actors, actor_id, "actor")

    def issue(self, issue_id: str) -> Issue:
        return _find(self.issues, issue_id, "issue")

    def source(self, source_id: str) -> Source:
        return _find(self.sources, source_id, "source")

    def stance_date(self, stance: Stance) -> dt.date | None:
        """When a stance is known from: its own ``date``, else the earliest date of its evidence
        (the evidence's ``date`` or its document's), else None (known from the start)."""
        if stance.date is not None:
            return stance.date
        source_dates = {source.id: source.date for source in self.sources}
        dates = [
            item.date or source_dates.get(item.document)
            for item in stance.position.evidence + stance.salience.evidence
        ]
        known = [date for date in dates if date is not None]
        return min(known) if known else None

    def current_stances(self, as_of: dt.date | None = None) -> tuple[Stance, ...]:
        """One stance per (actor, issue): the latest known on or before ``as_of`` (any if None).

        A stance is known from :meth:`stance_date`. Pairs with no stance known by ``as_of`` drop out.
        """
        latest: dict[tuple[str, str], tuple[dt.date, Stance]] = {}
        for stance in self.stances:
            date = self.stance_date(stance) or dt.date.min
            if as_of is not None and date > as_of:
                continue
            key = (stance.actor, stance.issue)
            if key not in latest or date >= latest[key][0]:
                latest[key] = (date, stance)
        return tuple(stance for _, stance in latest.values())

    def stance(self, actor_id: str, issue_id: str, as_of: dt.date | None = None) -> Stance | None:
        for stance in self.current_stances(as_of):
            if stance.actor == actor_id and stance.issue == issue_id:
                return stance
        return None


def _non_negative_capability(capability: Value) -> Value:
    if capability.value < 0:
        raise ValueError(f"capability must be >= 0, got {capability.value}")
    return capability


_Identified = TypeVar("_Identified", Actor, Issue, Source)


def _find(items: tuple[_Identified, ...], item_id: str, kind: str) -> _Identified:
    for item in items:
        if item.id == item_id:
            return item
    known = ", ".join(item.id for item in items)
    raise KeyError(f"unknown {kind} {item_id!r} (known: {known})")
