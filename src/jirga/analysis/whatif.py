"""What-if patches: small YAML files that change a scenario, and forecasts side by side.

A patch names itself and lists changes, applied in order; each change is a mapping with one
key, the operation::

    name: Pakistan stays away from the talks
    description: Why this is worth asking (optional).
    changes:
      - drop: PAK_GOV                       # the actor and all its stances leave
      - drop: {actor: PAK_MIL, issues: [polity]}   # or it leaves only these issues
      - set: {actor: USA, issue: withdrawal, position: 40}
      - set: {actor: TAL, capability: {value: 30, interval: [25, 35]}}
      - shift: {actor: PAK_MIL, salience: -0.2}   # every issue of the actor
      - add:
          id: KSA
          name: Saudi Arabia
          capability: 20
          stances:
            - {issue: withdrawal, position: 80, salience: 0.3}
      - merge: {actors: [RUS, CHN, IRN], into: {id: RCI, name: Russia, China and Iran}}

``set`` replaces a number (a bare number drops its interval, so the default spread applies;
give ``{value, interval}`` to keep one); ``shift`` adds to a number and its interval, clipped
to the number's domain. Both drop the evidence of the numbers they change. Position needs an
``issue``; salience and capability without one apply to every issue of the actor (capability
without an issue is the actor's own). A ``set`` of both position and salience on an issue the
actor has no stance on adds one. Both apply to every dated stance of the pair.

``merge`` replaces the members by one coalition: its capability is the sum of theirs; on each
issue its position is the capability × salience weighted mean of the members' (latest)
positions and its salience Σ c s / Σ c, so that its weight c × s is the members' total weight
(the compromise forecast does not move; the median may). Intervals combine the same way when
every member's number has one. See ``docs/analysis.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationError, model_validator

from jirga.analysis.montecarlo import DEFAULT_BATCH_SIZE, IssueSummary, point_forecast, run_montecarlo
from jirga.analysis.perturb import DEFAULT_SPREAD, Distribution
from jirga.errors import JirgaError
from jirga.models import Model, Problem
from jirga.models.base import Array
from jirga.models.baseline import weighted_mean
from jirga.scenario.checks import check_references
from jirga.scenario.model import Actor, ActorKind, Identifier, Interval, Issue, Scenario, Stance, StrictModel, Value
from jirga.scenario.native import field_name, line_of, read_text, validate_yaml

Location = tuple[str | int, ...]


class DropChange(StrictModel):
    actor: Identifier
    issues: tuple[Identifier, ...] = ()
    """The issues the actor leaves (it keeps its other stances); none given: the actor leaves."""

    @model_validator(mode="before")
    @classmethod
    def _from_id(cls, data: object) -> object:
        """Accept the compact form ``drop: ACTOR``."""
        return {"actor": data} if isinstance(data, str) else data


class SetChange(StrictModel):
    actor: Identifier
    issue: Identifier | None = None
    position: Value | None = None
    salience: Value | None = None
    capability: Value | None = None


Amount = Annotated[float, Field(allow_inf_nan=False)]


class ShiftChange(StrictModel):
    actor: Identifier
    issue: Identifier | None = None
    position: Amount | None = None
    salience: Amount | None = None
    capability: Amount | None = None


class NewStance(StrictModel):
    issue: Identifier
    position: Value
    salience: Value
    capability: Value | None = None
    date: dt.date | None = None


class AddChange(StrictModel):
    id: Identifier
    name: str
    kind: ActorKind = ActorKind.state
    aliases: tuple[str, ...] = ()
    description: str = ""
    capability: Value
    stances: tuple[NewStance, ...] = ()


class Coalition(StrictModel):
    id: Identifier
    name: str | None = None
    kind: ActorKind | None = None
    description: str = ""


class MergeChange(StrictModel):
    actors: tuple[Identifier, ...] = Field(min_length=2)
    into: Coalition


OPERATIONS = ("drop", "set", "shift", "add", "merge")


class ChangeSpec(StrictModel):
    """One change: a mapping with exactly one of the operations as its key."""

    drop: DropChange | None = None
    set: SetChange | None = None
    shift: ShiftChange | None = None
    add: AddChange | None = None
    merge: MergeChange | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> ChangeSpec:
        given = [name for name in OPERATIONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"a change has exactly one of {', '.join(OPERATIONS)} (found: {', '.join(given) or 'none'})")
        return self

    @property
    def operation(self) -> str:
        return next(name for name in OPERATIONS if getattr(self, name) is not None)


class PatchFile(StrictModel):
    name: str = ""
    description: str = ""
    changes: tuple[ChangeSpec, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Patch:
    path: Path
    name: str
    description: str
    changes: tuple[ChangeSpec, ...]
    document: Any = field(repr=False, compare=False)
    """The YAML document as read, to find the line of any field."""

    def error(self, message: str, location: Location) -> JirgaError:
        """An error that names this patch file, the line of ``location`` and its field."""
        return JirgaError(message, file=self.path, line=line_of(self.document, location), field=field_name(location))

    def document_at(self, location: Location) -> Any:
        """The YAML node at ``location`` as written (None when absent)."""
        node = self.document
        for part in location:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    @property
    def label(self) -> str:
        return self.name or self.path.stem


PATCH_SUFFIXES = (".yaml", ".yml")


def shipped_patches() -> dict[str, Path]:
    """The patches that ship with jirga (for the embedded Afghan scenario), by file stem."""
    folder = Path(str(resources.files("jirga.analysis") / "data" / "patches"))
    return {path.stem: path for path in sorted(folder.iterdir()) if path.suffix in PATCH_SUFFIXES}


def resolve_patch(name_or_path: str | Path) -> Path:
    """A patch file: the path if it exists, else the shipped patch of that name."""
    path = Path(name_or_path)
    if path.exists():
        return path
    shipped = shipped_patches()
    if str(name_or_path) in shipped:
        return shipped[str(name_or_path)]
    raise JirgaError(f"no such file, and no shipped patch of that name (shipped: {', '.join(shipped)})", file=path)


def load_patch(path: str | Path) -> Patch:
    """Read and check the structure of a patch; errors name the file, line and field."""
    path = Path(path)
    return parse_patch(read_text(path), path)


def parse_patch(text: str, path: str | Path = "<string>") -> Patch:
    path = Path(path)
    document, patch = validate_yaml(text, path, PatchFile)
    return Patch(path, patch.name, patch.description, patch.changes, document)


def apply_patch(scenario: Scenario, patch: Patch) -> Scenario:
    """The scenario with the patch's changes applied in order (``scenario`` is left as it is)."""
    for index, change in enumerate(patch.changes):
        operation = change.operation
        where = ("changes", index, operation)
        try:
            scenario = _APPLY[operation](scenario, getattr(change, operation), patch, where)
        except ValidationError as error:
            problem = error.errors()[0]
            raise patch.error(problem["msg"].removeprefix("Value error, "), where) from None
        problems = check_references(scenario)
        if problems:
            raise patch.error(f"after this change: {field_name(problems[0][0])}: {problems[0][1]}", where)
    return scenario


def _actor(scenario: Scenario, actor_id: str, patch: Patch, where: Location) -> Actor:
    try:
        return scenario.actor(actor_id)
    except KeyError as error:
        raise patch.error(error.args[0], where) from None


def _drop(scenario: Scenario, body: DropChange, patch: Patch, where: Location) -> Scenario:
    """The actor leaves the scenario, or (with ``issues``) only those issues."""
    _actor(scenario, body.actor, patch, where if isinstance(patch.document_at(where), str) else (*where, "actor"))
    if not body.issues:
        return scenario.model_copy(
            update={
                "actors": tuple(actor for actor in scenario.actors if actor.id != body.actor),
                "stances": tuple(stance for stance in scenario.stances if stance.actor != body.actor),
            }
        )
    for index, issue_id in enumerate(body.issues):
        if not any(stance.actor == body.actor and stance.issue == issue_id for stance in scenario.stances):
            raise patch.error(f"{body.actor!r} has no stance on {issue_id!r}", (*where, "issues", index))
    leaving = set(body.issues)
    return scenario.model_copy(
        update={"stances": tuple(stance for stance in scenario.stances if not (stance.actor == body.actor and stance.issue in leaving))}
    )


def _domain(scenario: Scenario, quantity: str, issue_id: str | None) -> tuple[float, float]:
    if quantity == "position":
        issue = scenario.issue(issue_id)  # type: ignore[arg-type]
        return issue.lower, issue.upper
    return (0.0, 1.0) if quantity == "salience" else (0.0, np.inf)


def _check_domain(value: Value, domain: tuple[float, float], patch: Patch, where: Location) -> Value:
    low, high = domain
    numbers = [value.value] + ([value.interval.low, value.interval.high] if value.interval else [])
    if not all(low <= number <= high for number in numbers):
        raise patch.error(f"{value.value:g} (or its interval) lies outside [{low:g}, {high:g}]", where)
    return value


def _shifted(value: Value, delta: float, domain: tuple[float, float]) -> Value:
    """``value`` + ``delta``, its interval moved alike, all clipped to ``domain``; evidence dropped."""
    low, high = domain
    interval = None
    if value.interval is not None:
        interval = Interval(low=min(max(value.interval.low + delta, low), high), high=min(max(value.interval.high + delta, low), high))
    return Value(value=min(max(value.value + delta, low), high), interval=interval)


def _edit(scenario: Scenario, body: SetChange | ShiftChange, patch: Patch, where: Location) -> Scenario:
    """``set`` and ``shift``: new numbers for an actor (on one issue, or on all of its issues)."""
    actor = _actor(scenario, body.actor, patch, (*where, "actor"))
    shifting = isinstance(body, ShiftChange)
    changes = {name: getattr(body, name) for name in ("position", "salience", "capability") if getattr(body, name) is not None}
    if not changes:
        raise patch.error("give at least one of position, salience, capability", where)
    if body.issue is not None:
        try:
            scenario.issue(body.issue)
        except KeyError as error:
            raise patch.error(error.args[0], (*where, "issue")) from None
    elif "position" in changes:
        raise patch.error("a position needs an issue (each issue has its own scale)", (*where, "position"))
    if not shifting:
        for name, value in changes.items():
            _check_domain(value, _domain(scenario, name, body.issue), patch, (*where, name))

    def edited(number: Value | None, name: str, issue_id: str | None) -> Value:
        if not shifting:
            return changes[name]
        return _shifted(number, changes[name], _domain(scenario, name, issue_id))  # type: ignore[arg-type]

    actors, stances = scenario.actors, list(scenario.stances)
    if body.issue is None and "capability" in changes:
        updated = actor.model_copy(update={"capability": edited(actor.capability, "capability", None)})
        actors = tuple(updated if item.id == actor.id else item for item in actors)
    stance_changes = {name: value for name, value in changes.items() if body.issue is not None or name == "salience"}
    targets = [index for index, stance in enumerate(stances) if stance.actor == actor.id and body.issue in (None, stance.issue)]
    if stance_changes and not targets:
        if body.issue is None or shifting or not {"position", "salience"} <= changes.keys():
            on = f" on {body.issue!r}" if body.issue else ""
            raise patch.error(f"{actor.id!r} has no stance{on} to change (a set of position and salience adds one)", where)
        stances.append(Stance(actor=actor.id, issue=body.issue, position=changes["position"], salience=changes["salience"], capability=changes.get("capability")))
    for index in targets:
        stance = stances[index]
        update = {}
        for name in stance_changes:
            number = getattr(stance, name)
            if name == "capability" and number is None:
                number = actor.capability
            update[name] = edited(number, name, stance.issue)
        stances[index] = stance.model_copy(update=update)
    return scenario.model_copy(update={"actors": actors, "stances": tuple(stances)})


def _add(scenario: Scenario, body: AddChange, patch: Patch, where: Location) -> Scenario:
    if body.id in {actor.id for actor in scenario.actors}:
        raise patch.error(f"actor {body.id!r} already exists", (*where, "id"))
    _check_domain(body.capability, _domain(scenario, "capability", None), patch, (*where, "capability"))
    for index, new in enumerate(body.stances):
        try:
            scenario.issue(new.issue)
        except KeyError as error:
            raise patch.error(error.args[0], (*where, "stances", index, "issue")) from None
        _check_domain(new.position, _domain(scenario, "position", new.issue), patch, (*where, "stances", index, "position"))
        _check_domain(new.salience, (0.0, 1.0), patch, (*where, "stances", index, "salience"))
        if new.capability is not None:
            _check_domain(new.capability, _domain(scenario, "capability", None), patch, (*where, "stances", index, "capability"))
    actor = Actor(id=body.id, name=body.name, kind=body.kind, aliases=body.aliases, description=body.description, capability=body.capability)
    stances = tuple(Stance(actor=body.id, **new.model_dump(exclude_none=True)) for new in body.stances)
    return scenario.model_copy(update={"actors": (*scenario.actors, actor), "stances": scenario.stances + stances})


def _combine(values: list[Value], weights: Array, total: bool = False) -> Value:
    """The weighted mean (or, with ``total``, the sum) of ``values``, intervals alike when all have one."""
    table = np.array([[item.value, *((item.interval.low, item.interval.high) if item.interval else (item.value,) * 2)] for item in values])
    combined = table.sum(axis=0) if total else weighted_mean(table, np.asarray(weights, dtype=float)[:, None])
    value, low, high = (float(number) for number in combined)
    has_interval = all(item.interval is not None for item in values)
    return Value(value=value, interval=Interval(low=low, high=high) if has_interval else None)


def _merge(scenario: Scenario, body: MergeChange, patch: Patch, where: Location) -> Scenario:
    members = [_actor(scenario, actor_id, patch, (*where, "actors", index)) for index, actor_id in enumerate(body.actors)]
    if len(set(body.actors)) < len(body.actors):
        raise patch.error("an actor appears twice", (*where, "actors"))
    if body.into.id in {actor.id for actor in scenario.actors} - set(body.actors):
        raise patch.error(f"actor {body.into.id!r} already exists", (*where, "into", "id"))
    kinds = {member.kind for member in members}
    coalition = Actor(
        id=body.into.id,
        name=body.into.name or " + ".join(member.name for member in members),
        kind=body.into.kind or (kinds.pop() if len(kinds) == 1 else ActorKind.organisation),
        description=body.into.description or "Coalition of " + ", ".join(member.id for member in members),
        capability=_combine([member.capability for member in members], np.ones(len(members)), total=True),
    )
    current = [stance for stance in scenario.current_stances(scenario.as_of) if stance.actor in body.actors]
    new_stances = []
    for issue in scenario.issues:
        held = [stance for stance in current if stance.issue == issue.id]
        if not held:
            continue
        capability = [stance.capability if stance.capability is not None else scenario.actor(stance.actor).capability for stance in held]
        strength = np.array([item.value for item in capability])
        weight = strength * np.array([stance.salience.value for stance in held])
        dates = [date for date in (scenario.stance_date(stance) for stance in held) if date is not None]
        own_capability = _combine(capability, np.ones(len(held)), total=True)
        new_stances.append(
            Stance(
                actor=coalition.id,
                issue=issue.id,
                position=_combine([stance.position for stance in held], weight if weight.sum() > 0 else np.ones(len(held))),
                salience=_combine([stance.salience for stance in held], strength if strength.sum() > 0 else np.ones(len(held))),
                capability=None if own_capability == coalition.capability else own_capability,
                date=max(dates) if dates else None,
            )
        )
    return scenario.model_copy(
        update={
            "actors": tuple(actor for actor in scenario.actors if actor.id not in body.actors) + (coalition,),
            "stances": tuple(stance for stance in scenario.stances if stance.actor not in body.actors) + tuple(new_stances),
        }
    )


_APPLY = {"drop": _drop, "set": _edit, "shift": _edit, "add": _add, "merge": _merge}


@dataclass(frozen=True)
class Variant:
    """One scenario of a what-if comparison and its forecasts."""

    label: str
    scenario: Scenario
    forecast: Array
    """``(n_issues,)``: the point forecast."""
    spread: tuple[IssueSummary, ...] | None = None
    """Monte Carlo summaries per issue, when runs were asked for."""


@dataclass(frozen=True)
class WhatIf:
    model: Model
    issues: tuple[Issue, ...]
    """The issues of the forecasts' columns: the base scenario's, or those :meth:`only` keeps."""
    base: Variant
    variants: tuple[Variant, ...]

    def only(self, columns: tuple[int, ...]) -> WhatIf:
        """The comparison for the issues of these columns alone."""
        chosen = list(columns)

        def kept(variant: Variant) -> Variant:
            spread = None if variant.spread is None else tuple(variant.spread[column] for column in chosen)
            return replace(variant, forecast=variant.forecast[chosen], spread=spread)

        return WhatIf(self.model, tuple(self.issues[column] for column in chosen), kept(self.base), tuple(map(kept, self.variants)))

    def to_json(self) -> dict[str, Any]:
        issue_ids = [issue.id for issue in self.issues]

        def entry(variant: Variant) -> dict[str, Any]:
            data: dict[str, Any] = {
                "label": variant.label,
                "forecast": dict(zip(issue_ids, _numbers(variant.forecast))),
                "difference": dict(zip(issue_ids, _numbers(variant.forecast - self.base.forecast))),
            }
            if variant.spread is not None:
                data["montecarlo"] = {summary.issue.id: summary.to_json() for summary in variant.spread}
            return data

        return {"model": self.model.name, "base": entry(self.base), "patches": [entry(variant) for variant in self.variants]}


def _numbers(values: Array) -> list[float | None]:
    return [float(value) if np.isfinite(value) else None for value in values]


def compare(
    base: Scenario,
    patches: list[Patch],
    model: Model,
    *,
    seed: int = 0,
    as_of: dt.date | None = None,
    runs: int = 0,
    distribution: Distribution = Distribution.uniform,
    spread: float = DEFAULT_SPREAD,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int | None = None,
    scheduler: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> WhatIf:
    """Forecast ``base`` and each patched scenario (and, with ``runs``, their Monte Carlo spread).

    ``on_progress(1)`` is called as each scenario is done.
    """
    scenarios = [("base", base)] + [(patch.label, apply_patch(base, patch)) for patch in patches]
    variants = []
    for label, scenario in scenarios:
        if runs:
            result = run_montecarlo(
                scenario, model, runs, seed, distribution=distribution, spread=spread, as_of=as_of,
                batch_size=batch_size, workers=workers, scheduler=scheduler,
            )
            variants.append(Variant(label, scenario, result.point, tuple(result.summary())))
        else:
            variants.append(Variant(label, scenario, point_forecast(model, Problem.from_scenario(scenario, as_of), seed)))
        if on_progress is not None:
            on_progress(1)
    return WhatIf(model, base.issues, variants[0], tuple(variants[1:]))
