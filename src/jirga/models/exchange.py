"""Stokman's exchange model: actors trade support across pairs of issues.

Each actor concedes on the issue it cares relatively less about in return for a move of its
partner on the issue it cares more about (Stokman and Van Oosten 1994, "The exchange of voting
positions", in Bueno de Mesquita and Stokman, European Community Decision Making; Dijkstra,
Van Assen and Stokman 2008, "Outcomes of collective decisions with externalities predicted",
Journal of Theoretical Politics 20(4)). The rules, their order and their quirks follow
decide-exchange-model 2022.1.28 (Decide B.V.); ``docs/models/exchange.md`` has the formulas
and every choice.

A round: the weighted mean O_d = Σ c s x / Σ c s of every issue; the candidate exchanges of
every issue pair (actors on opposite sides of O on both issues) with their moves from the
exchange ratio (equal gain, or a random rate); then, greedily by gain, realise the best
candidate and recompute the candidates it touches; finally every trader keeps
10 % + 40 % (1 - s) of its shift to its voting position. Positions live on decide's internal
0-100 scale of each issue. ``arithmetic="decimal"`` runs the same code on 28-digit Decimals
with decide's order of operations, which reproduces decide bit for bit (slowly).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np

from jirga.errors import JirgaError
from jirga.models.base import Array, BoolArray, IntArray, Problem, Trajectory

VARIANTS = ("equal-gain", "random-rate")
TIE_POLICIES = ("random", "replay")
ARITHMETIC = ("float", "decimal")
SCALE = 100
"""decide normalises every issue to [0, 100] and checks moves on that scale."""
FLOAT_SLACK = 1e-9
"""Float64 slack (on the 0-100 scale) for the comparisons that exact arithmetic can meet with
equality: a move that ends on a bound, a weighted mean that already sits on the demander."""
SALIENCE_WEIGHT = 0.4
FIXED_WEIGHT = 0.1
"""After a round an actor keeps x0 + (0.1 + 0.4 (1 - s)) (y - x0) of its voting shift."""


@dataclass(frozen=True)
class ExchangeModel:
    """Stokman's exchange model as decide-exchange-model implements it.

    ``variant``: ``"equal-gain"`` gives both partners the same utility gain (decide's model);
    ``"random-rate"`` draws each candidate's exchange rate between the two rates at which one
    partner would gain nothing, mixed with the equal-gain rate by ``p`` (1 = fully random,
    Stokman's random rate model; ``p`` is used by this variant only). ``rounds``: decide has no
    stopping rule and runs a fixed number, 10 by default. ``ties``: how to choose between two
    candidates of equal gain: ``"random"`` draws from the seeded generator; ``"replay"`` takes
    the decisions in ``tie_decisions`` ("0" realise the first, "1" the runner-up, as decide's
    reference runner prints them) and draws once they run out. ``arithmetic``: ``"float"``
    (fast) or ``"decimal"`` (decide's 28-digit Decimal arithmetic, for bit-exact comparison).
    ``randomized``: decide's own p, its "randomized equal gain" (equal-gain variant; 0 = off).
    ``decide_seed``: draw ties and randomized gains from Python's ``random`` seeded with this
    number, the stream of decide's own seeded runs (``decide-reference.sh --seed``), instead of
    the model's generator.
    """

    name: ClassVar[str] = "exchange"
    title: ClassVar[str] = "Exchange model (Stokman)"
    batched: ClassVar[bool] = False

    variant: str = "equal-gain"
    p: float = 1.0
    rounds: int = 10
    ties: str = "random"
    tie_decisions: str = ""
    arithmetic: str = "float"
    randomized: float = 0.0
    decide_seed: int | None = None

    def __post_init__(self) -> None:
        for field_name, value, allowed in (
            ("variant", self.variant, VARIANTS),
            ("ties", self.ties, TIE_POLICIES),
            ("arithmetic", self.arithmetic, ARITHMETIC),
        ):
            if value not in allowed:
                raise JirgaError(f"must be one of {', '.join(allowed)}, got {value!r}", field=field_name)
        for field_name, share in (("p", self.p), ("randomized", self.randomized)):
            if not 0.0 <= share <= 1.0:
                raise JirgaError(f"must lie in [0, 1], got {share}", field=field_name)
        if self.randomized > 0 and self.variant != "equal-gain":
            raise JirgaError("decide's randomized equal gain needs the equal-gain variant", field="randomized")
        if self.decide_seed is not None and (not isinstance(self.decide_seed, int) or self.decide_seed < 0):
            raise JirgaError(f"must be a whole number >= 0, got {self.decide_seed!r}", field="decide_seed")
        if int(self.rounds) != self.rounds or self.rounds < 0:
            raise JirgaError(f"must be a whole number >= 0, got {self.rounds}", field="rounds")
        if not isinstance(self.tie_decisions, str) or self.tie_decisions.strip("01"):
            raise JirgaError("is a string of 0 and 1; quote it on the command line: tie_decisions='0110'", field="tie_decisions")
        if self.arithmetic == "decimal" and self.variant != "equal-gain":
            raise JirgaError("decimal arithmetic reproduces decide's equal-gain model only", field="arithmetic")

    def forecast(self, problem: Problem, rng: np.random.Generator) -> Trajectory:
        if problem.batch_shape:
            raise JirgaError("the exchange model runs one problem at a time (no batch dimensions)", field="model")
        number = _Numbers(self.arithmetic)
        lower, upper = number.array(problem.lower), number.array(problem.upper)
        width = upper - lower
        step = np.array([SCALE / span if span != 0 else 0 * span for span in width], dtype=number.dtype)
        ties = _Ties(self.tie_decisions if self.ties == "replay" else "")
        if self.decide_seed is not None:
            rng = python_random(self.decide_seed)
        game = _Game(problem, number, self.variant, self.p, number.scalar(self.randomized), ties)
        position = (number.array(problem.position) - lower) * step
        positions, voting_positions, preference_mds, voting_mds = [position], [], [], []
        exchange_tables, externality_tables = [], []
        for round_number in range(1, int(self.rounds) + 1):
            outcome = game.play_round(positions[-1], round_number, rng)
            preference_mds.append(outcome.preference_mds)
            voting_mds.append(outcome.voting_mds)
            voting_positions.append(outcome.voting_positions)
            positions.append(outcome.next_positions)
            exchange_tables.append(_with_round(outcome.exchanges, round_number))
            externality_tables.append(_with_round(outcome.externalities, round_number))
        preference_mds.append(game.weighted_mean(positions[-1]))

        def issue_scale(internal: Array) -> Array:
            return _denormalise(internal, lower, step)

        def actor_scale(internal: list[Array]) -> Array:
            shape = (len(internal), problem.n_actors, problem.n_issues)
            values = issue_scale(np.array(internal, dtype=number.dtype).reshape(shape))
            return np.where(problem.present, values, problem.position)

        exchanges = _concatenate(exchange_tables)
        diagnostics: dict[str, Any] = {
            "preference_mds": issue_scale(np.array(preference_mds, dtype=number.dtype).reshape(-1, problem.n_issues)),
            "voting_mds": issue_scale(np.array(voting_mds, dtype=number.dtype).reshape(-1, problem.n_issues)),
            "voting_positions": actor_scale(voting_positions),
            "exchanges": _exchange_table(problem, exchanges, lower, step),
            "externalities": _externality_table(problem, _concatenate(externality_tables)),
            "tie_decisions": "".join(ties.used),
            "ties": ties.table(),
        }
        return Trajectory(
            model=self.name,
            actors=problem.actors,
            issues=problem.issues,
            positions=actor_scale(positions),
            forecast=diagnostics["preference_mds"][-1],
            rounds=np.full(problem.n_issues, int(self.rounds), dtype=np.int64),
            diagnostics=diagnostics,
        )


class _Numbers:
    """float64 arrays, or object arrays of Decimals that follow decide's arithmetic."""

    def __init__(self, arithmetic: str) -> None:
        self.decimal = arithmetic == "decimal"
        self.dtype: type | np.dtype = object if self.decimal else np.float64
        self.slack = 0 if self.decimal else FLOAT_SLACK
        # decide builds its weights from the binary doubles 0.4 and 0.1: Decimal(0.4) is exact.
        self.salience_weight = Decimal(SALIENCE_WEIGHT) if self.decimal else SALIENCE_WEIGHT
        self.fixed_weight = Decimal(FIXED_WEIGHT) if self.decimal else FIXED_WEIGHT

    def scalar(self, value: float) -> Any:
        """A parameter as this arithmetic's number (decide reads its p as the decimal text)."""
        return Decimal(repr(float(value))) if self.decimal else float(value)

    def array(self, values: Array) -> Array:
        """Input numbers as decide reads them: the decimal text of the file, e.g. '0.9', not 0.9000000000000000222."""
        if not self.decimal:
            return np.asarray(values, dtype=np.float64)
        flat = [Decimal(repr(float(value))) for value in np.ravel(values)]
        return np.array(flat, dtype=object).reshape(np.shape(values))


class _Ties:
    """The tie decisions: those recorded to replay (the kernel draws from the generator once
    they run out), and the log of those taken."""

    def __init__(self, recorded: str) -> None:
        self.recorded = np.array([decision == "1" for decision in recorded], dtype=np.int8)
        self.used: list[str] = []
        self.log: list[tuple[int, int, bool]] = []

    def remaining(self) -> IntArray:
        """The recorded decisions not yet used."""
        return self.recorded[len(self.used):]

    def add(self, round_number: int, orders: list[int], exact: list[bool], decisions: list[bool]) -> None:
        """Record a round's ties: the number of the exchange being chosen, whether the gains were
        bitwise equal, and the decision (True: the runner-up was realised)."""
        self.used.extend("1" if decision else "0" for decision in decisions)
        self.log.extend((round_number, int(order), bool(equal)) for order, equal in zip(orders, exact))

    def table(self) -> dict[str, Array]:
        """One row per tie: round, number of the exchange being chosen, decision, bitwise-equal gains."""
        return {
            "round": np.array([row[0] for row in self.log], dtype=np.int64),
            "order": np.array([row[1] for row in self.log], dtype=np.int64),
            "decision": np.array(self.used, dtype="U1"),
            "exact": np.array([row[2] for row in self.log], dtype=bool),
        }


@dataclass
class _RoundOutcome:
    preference_mds: Array
    voting_mds: Array
    voting_positions: Array
    next_positions: Array
    exchanges: dict[str, Array]
    externalities: dict[str, Array]


class _Candidates:
    """Every candidate exchange of a round as packed arrays; side 0 is decide's actor I, side 1 is J.

    I supplies issue q (the second of the pair) and demands p; J supplies p and demands q.
    ``fixed`` holds, per field and side, what a round does not change: ``target``, the
    partner's position on the side's supply issue, where a full move ends; ``start``, the side's
    position there at round start; ``ratio``, the partner's exchange ratio per unit of the
    side's; s, c and W = Σ s c of the supply issue and the side's actor's s on its demand issue;
    the actor's weight s c and the issue's Σ x s c at round start. ``state`` holds what
    realisations change: ``supply_at``, the side's position on its supply issue now; the move
    history as a prefix (sum, min, max) and its last entry (``move``); the voting position
    ``y``; ``eu``; ``nbs0``/``nbs1``, the weighted mean of the supply issue before and after the
    side's move; and ``update_sum`` (float arithmetic), Σ over other actors' updates of
    (update - x) s c. ``keys`` holds per side ``actor``, ``supply``, ``demand`` (indices) and
    ``supply_key``/``demand_key`` (actor x n_issues + issue, demand keys offset by
    n_actors x n_issues so that the two kinds never meet); per row ``pair`` and ``inner``
    (0: the partners are in groups A and D of their issue pair, 1: in B and C). The field
    order is the kernel's (``jirga.models.exchange_kernel``); each name is a (2, n) view.
    """

    def __init__(self, size: int, number: _Numbers) -> None:
        self.fixed = np.zeros((9, 2, size), dtype=number.dtype)
        self.state = np.zeros((10, 2, size), dtype=number.dtype)
        self.keys = np.zeros((5, 2, size), dtype=np.int64)
        self.gain = np.zeros(size, dtype=number.dtype)
        self.valid = np.zeros(size, dtype=bool)
        (
            self.target, self.start, self.ratio, self.supply_salience, self.demand_salience,
            self.supply_capability, self.supply_total, self.supply_weight, self.supply_base,
        ) = self.fixed
        self.supply_at, self.prefix_sum, self.prefix_min, self.prefix_max, self.move, self.y, self.eu, self.nbs0, self.nbs1, self.update_sum = self.state
        self.supply_key, self.demand_key, self.actor, self.supply, self.demand = self.keys
        self.prefix_min[...], self.prefix_max[...] = np.inf, -np.inf
        self.pair = np.zeros(size, dtype=np.int64)
        self.inner = np.zeros(size, dtype=np.int64)


class _Game:
    """The rounds of one run: the problem's numbers and the candidate machinery."""

    def __init__(self, problem: Problem, number: _Numbers, variant: str, p: float, randomized: Any, ties: _Ties) -> None:
        self.problem = problem
        self.number = number
        self.variant = variant
        self.p = p
        self.randomized = randomized
        self.ties = ties
        self.salience = number.array(np.where(problem.present, problem.salience, 0.0))
        self.capability = number.array(np.where(problem.present, problem.capability, 0.0))
        self.weight = self.salience * self.capability
        self.total = self.weight.sum(axis=0)
        positive = (problem.salience > 0) & (problem.capability > 0)
        self.trades = problem.present & positive
        """decide divides by salience and by c x s: cells where either is 0 cannot trade."""
        self.pair_p, self.pair_q = np.triu_indices(problem.n_issues, 1)
        self.snapshots = np.zeros((0, 5), dtype=number.dtype)
        """Per realised exchange of the round: its gain and (nbs0, nbs1) of I and J when it was realised."""

    def weighted_mean(self, position: Array, numerator: Array | None = None) -> Array:
        """O_d = Σ_k x_kd s_kd c_kd / Σ_k s_kd c_kd (0 where no actor has weight, as decide);
        ``numerator`` is Σ x s c when the caller has it already."""
        if numerator is None:
            numerator = (position * self.salience * self.capability).sum(axis=0)
        safe = np.where(self.total != 0, self.total, 1)
        return np.where(self.total != 0, numerator / safe, 0 * numerator)

    def play_round(self, position: Array, round_number: int, rng: np.random.Generator) -> _RoundOutcome:
        self.x = position
        self.base = (position * self.salience * self.capability).sum(axis=0)
        mds = self.weighted_mean(position, self.base)
        left = position <= mds
        groups = left[:, self.pair_p].astype(np.int64) + 2 * left[:, self.pair_q]
        both = self.problem.present[:, self.pair_p] & self.problem.present[:, self.pair_q]
        self.groups = np.where(both, groups, -1)
        self.cand = self._candidates(rng)
        realised = self._realise_all(round_number, rng)
        voting, next_position = position.copy(), position.copy()
        if realised.size:
            cand = self.cand
            # In realisation order, I before J; the last write to a cell wins (decide's loop).
            actor, issue = cand.actor[:, realised].T.ravel(), cand.supply[:, realised].T.ravel()
            y, start = cand.y[:, realised].T.ravel(), cand.start[:, realised].T.ravel()
            cell = actor * self.problem.n_issues + issue
            last = cell.size - 1 - np.unique(cell[::-1], return_index=True)[1]
            voting[actor[last], issue[last]] = y[last]
            held = 1 - self.salience[actor, issue]
            kept = self.number.salience_weight
            fixed = self.number.fixed_weight
            moved = held * kept * y + fixed * y + (1 - held * kept - fixed) * start
            next_position[actor[last], issue[last]] = moved[last]
        listed = self.cand.valid[realised]
        return _RoundOutcome(
            preference_mds=mds,
            voting_mds=self.weighted_mean(voting),
            voting_positions=voting,
            next_positions=next_position,
            exchanges=self._exchange_columns(realised, listed),
            externalities=self._externality_columns(realised),
        )

    def _candidates(self, rng: np.random.Generator) -> _Candidates:
        """Every (A, D) and (B, C) actor pair of every issue pair, in decide's order."""
        n_actors = self.problem.n_actors
        ok = self.trades[:, self.pair_p] & self.trades[:, self.pair_q]
        group = np.where(ok, self.groups, -1).T
        mask = np.zeros((self.pair_p.size, 2, n_actors, n_actors), dtype=bool)
        mask[:, 0] = (group == 0)[:, :, None] & (group == 3)[:, None, :]
        mask[:, 1] = (group == 1)[:, :, None] & (group == 2)[:, None, :]
        pair, inner, first, second = np.nonzero(mask)
        p, q = self.pair_p[pair], self.pair_q[pair]
        s = self.salience
        # I is the actor with the larger s_p / s_q: it demands p, where it cares relatively more.
        swap = s[first, p] / s[first, q] < s[second, p] / s[second, q]
        actor_i, actor_j = np.where(swap, second, first), np.where(swap, first, second)
        cand = _Candidates(pair.size, self.number)
        cand.pair, cand.inner = pair, inner
        cand.actor[0], cand.actor[1] = actor_i, actor_j
        cand.supply[0], cand.supply[1] = q, p
        cand.demand[0], cand.demand[1] = p, q
        cand.target[0], cand.target[1] = self.x[actor_j, q], self.x[actor_i, p]
        cand.start[0], cand.start[1] = self.x[actor_i, q], self.x[actor_j, p]
        cand.supply_at[:] = cand.start
        cand.supply_salience[:] = s[cand.actor, cand.supply]
        cand.demand_salience[:] = s[cand.actor, cand.demand]
        cand.supply_capability[:] = self.capability[cand.actor, cand.supply]
        cand.supply_total[:] = self.total[cand.supply]
        cand.supply_weight[:] = self.weight[cand.actor, cand.supply]
        cand.supply_base[:] = self.base[cand.supply]
        cand.supply_key[:] = cand.actor * self.problem.n_issues + cand.supply
        cand.demand_key[:] = cand.actor * self.problem.n_issues + cand.demand + self.problem.n_actors * self.problem.n_issues
        s_ip, s_iq, s_jp, s_jq = s[actor_i, p], s[actor_i, q], s[actor_j, p], s[actor_j, q]
        if self.variant == "equal-gain":
            # decide's by_exchange_ratio: equal gains need r_q (s_iq + s_jq) = r_p (s_ip + s_jp).
            cand.ratio[0] = (s_iq + s_jq) / (s_ip + s_jp)
            cand.ratio[1] = (s_jp + s_ip) / (s_jq + s_iq)
        elif pair.size:
            # r_q / r_p between s_jp / s_jq (J gains nothing) and s_ip / s_iq (I gains nothing).
            equal = (s_jp + s_ip) / (s_jq + s_iq)
            rate = equal + self.p * (rng.uniform(s_jp / s_jq, s_ip / s_iq) - equal)
            cand.ratio[1], cand.ratio[0] = rate, 1 / rate
        return cand

    def _realise_all(self, round_number: int, rng: np.random.Generator) -> IntArray:
        """decide's ModelLoop: realise the highest gain until no candidate is left (in
        ``exchange_kernel.realise``, compiled; as plain Python on Decimals)."""
        from jirga.models import exchange_kernel

        cand, number = self.cand, self.number
        realise = exchange_kernel.realise_python if number.decimal else exchange_kernel.realise
        arrays = (cand.fixed, cand.state, cand.gain, cand.valid, cand.keys, self.x, self.salience, self.capability)
        rules = (self.variant == "equal-gain", number.decimal, number.slack, self.randomized)
        realised, records, orders, exact, decisions = realise(arrays, rules, self.ties.remaining(), rng)
        self.ties.add(round_number, orders, exact, decisions)
        self.snapshots = np.array(records, dtype=number.dtype).reshape(-1, 5)
        return np.array(realised, dtype=np.int64)

    # ------------------------------------------------------------------------ what is recorded
    def _externality_columns(self, rows: IntArray) -> dict[str, Array]:
        """decide's actor_externalities of every realised exchange, for every actor.

        E_k = (|nbs0_J - x_kp| - |nbs1_J - x_kp|) s_kp + (|nbs0_I - x_kq| - |nbs1_I - x_kq|) s_kq
        with p and q the supply issues of J and I, the means as they were when the exchange was
        realised, and positions at round start: positive when the means moved toward k. Actors
        missing one of the issues get 0; the two traders get the exchange's gain ("own").
        """
        n_actors, count = self.problem.n_actors, rows.size
        if not count:
            return {"order": np.zeros(0, dtype=np.int64), "actor": np.zeros(0, dtype=np.int64), "value": np.zeros(0), "kind": np.zeros(0, dtype="U5")}
        cand = self.cand
        gain, nbs0_i, nbs1_i, nbs0_j, nbs1_j = (column[:, None] for column in self.snapshots.T)
        p, q = cand.supply[1, rows], cand.supply[0, rows]
        x, s = self.x.T, self.salience.T
        value = (np.abs(nbs0_j - x[p]) - np.abs(nbs1_j - x[p])) * s[p] + (np.abs(nbs0_i - x[q]) - np.abs(nbs1_i - x[q])) * s[q]
        present = self.problem.present.T
        value = np.where(present[p] & present[q], value, 0 * value)
        actors = np.arange(n_actors)[None, :]
        own = (actors == cand.actor[0, rows][:, None]) | (actors == cand.actor[1, rows][:, None])
        value = np.where(own, gain, value)
        group = self.groups[:, cand.pair[rows]].T
        inner = np.where((cand.inner[rows] == 0)[:, None], (group == 0) | (group == 3), (group == 1) | (group == 2))
        kind = np.where(own, "own", np.where(inner, "inner", "outer"))
        return {
            "order": np.repeat(np.arange(1, count + 1), n_actors),
            "actor": np.tile(np.arange(n_actors), count),
            "value": value.astype(float).ravel(),
            "kind": kind.ravel(),
        }

    def _exchange_columns(self, rows: IntArray, listed: BoolArray) -> dict[str, Array]:
        cand = self.cand
        columns: dict[str, Array] = {"order": np.arange(1, rows.size + 1)}
        for side, name in ((0, "i"), (1, "j")):
            columns[f"actor_{name}"] = cand.actor[side, rows]
            columns[f"supply_{name}"] = cand.supply[side, rows]
            columns[f"x_{name}"] = cand.supply_at[side, rows]
            columns[f"y_{name}"] = cand.y[side, rows]
            columns[f"eu_{name}"] = cand.eu[side, rows].astype(float)
        columns["gain"] = cand.gain[rows].astype(float)
        columns["listed"] = listed
        return columns


def python_random(seed: int) -> np.random.Generator:
    """A generator whose draws are those of Python's ``random`` after ``random.seed(seed)``:
    numpy's MT19937 in the same state, which turns two 32-bit words into a double as Python does."""
    key = random.Random(seed).getstate()[1]
    bits = np.random.MT19937()
    bits.state = {"bit_generator": "MT19937", "state": {"key": np.array(key[:624], dtype=np.uint32), "pos": key[624]}}
    return np.random.Generator(bits)


def _denormalise(internal: Array, lower: Array, step: Array) -> Array:
    """decide's Issue.de_normalize, to float: x / step + lower, and exactly 0 maps to lower."""
    safe = np.where(step != 0, step, 1)
    return np.where(internal == 0, lower, internal / safe + lower).astype(float)


def _with_round(columns: dict[str, Array], round_number: int) -> dict[str, Array]:
    length = len(next(iter(columns.values())))
    return {"round": np.full(length, round_number, dtype=np.int64), **columns}


def _concatenate(tables: list[dict[str, Array]]) -> dict[str, Array]:
    return {key: np.concatenate([table[key] for table in tables]) for key in tables[0]} if tables else {}


EXCHANGE_COLUMNS = (
    "round", "order", "actor_i", "supply_i", "x_i", "y_i", "move_i", "eu_i",
    "actor_j", "supply_j", "x_j", "y_j", "move_j", "eu_j", "gain", "listed",
)
EXTERNALITY_COLUMNS = ("round", "order", "actor", "value", "kind", "positive")


def _exchange_table(problem: Problem, columns: dict[str, Array], lower: Array, step: Array) -> dict[str, Array]:
    """The exchanges realised, one row each, positions on the issues' own scales."""
    if not columns:
        return {name: np.zeros(0) for name in EXCHANGE_COLUMNS}
    actors, issues = np.array(problem.actors), np.array(problem.issues)
    table: dict[str, Array] = {"round": columns["round"], "order": columns["order"]}
    for side in ("i", "j"):
        issue = columns[f"supply_{side}"]
        table[f"actor_{side}"] = actors[columns[f"actor_{side}"]]
        table[f"supply_{side}"] = issues[issue]
        table[f"x_{side}"] = _denormalise(columns[f"x_{side}"], lower[issue], step[issue])
        table[f"y_{side}"] = _denormalise(columns[f"y_{side}"], lower[issue], step[issue])
        table[f"move_{side}"] = table[f"y_{side}"] - table[f"x_{side}"]
        table[f"eu_{side}"] = columns[f"eu_{side}"]
    table["gain"] = columns["gain"]
    table["listed"] = columns["listed"]
    return {name: table[name] for name in EXCHANGE_COLUMNS}


def _externality_table(problem: Problem, columns: dict[str, Array]) -> dict[str, Array]:
    """Every realised exchange's externality on every actor (0-100 scale distances x salience)."""
    if not columns:
        return {name: np.zeros(0) for name in EXTERNALITY_COLUMNS}
    return {
        "round": columns["round"],
        "order": columns["order"],
        "actor": np.array(problem.actors)[columns["actor"]],
        "value": columns["value"],
        "kind": columns["kind"],
        "positive": columns["value"] > 0,
    }


EXTERNALITY_KINDS = ("inner_positive", "inner_negative", "outer_positive", "outer_negative", "own")


def externality_kind(kind: Array, value: Array) -> Array:
    """decide's five classes: own, or inner/outer and positive (> 0) or negative (<= 0)."""
    sign = np.where(value > 0, "_positive", "_negative")
    return np.where(kind == "own", "own", np.char.add(kind.astype(str), sign))


def exchange_report(trajectory: Trajectory) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Who gave what to whom, per round, and the externalities, as plain rows.

    The first list has one row per realised exchange (the exchange table's columns plus its
    externalities summed by class over all actors, decide's "Realizations"); the second one row
    per round and actor with its externalities summed by class (decide's externalities.N.csv).
    """
    exchanges = trajectory.diagnostics["exchanges"]
    externalities = trajectory.diagnostics["externalities"]
    classes = externality_kind(externalities["kind"], externalities["value"])

    def by_class(chosen: BoolArray) -> dict[str, float]:
        """The chosen externalities summed per class."""
        return {kind: float(externalities["value"][chosen & (classes == kind)].sum()) for kind in EXTERNALITY_KINDS}

    rows: list[dict[str, Any]] = []
    for index in range(len(exchanges["round"])):
        row = {name: _plain_value(exchanges[name][index]) for name in EXCHANGE_COLUMNS}
        mine = (externalities["round"] == row["round"]) & (externalities["order"] == row["order"])
        row.update(by_class(mine))
        rows.append(row)
    totals: list[dict[str, Any]] = []
    for round_number in np.unique(externalities["round"]):
        in_round = externalities["round"] == round_number
        for actor in trajectory.actors:
            mine = in_round & (externalities["actor"] == actor)
            totals.append({"round": int(round_number), "actor": actor} | by_class(mine))
    return rows, totals


def _plain_value(value: Any) -> Any:
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)
