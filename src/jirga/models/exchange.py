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
TINY = 1e-10
"""decide: a move of at most this size, or a gain below it, makes an exchange invalid."""
FLOAT_SLACK = 1e-9
"""Float64 slack (on the 0-100 scale) for the comparisons that exact arithmetic can meet with
equality: a move that ends on a bound, a weighted mean that already sits on the demander."""
TIE_DECIMALS = 12
"""Float64 gains equal to 12 decimals are tied; decide ties Decimal gains closer than 1e-20."""
DECIMAL_TIE = Decimal("1e-20")
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

    def __post_init__(self) -> None:
        for field_name, value, allowed in (
            ("variant", self.variant, VARIANTS),
            ("ties", self.ties, TIE_POLICIES),
            ("arithmetic", self.arithmetic, ARITHMETIC),
        ):
            if value not in allowed:
                raise JirgaError(f"must be one of {', '.join(allowed)}, got {value!r}", field=field_name)
        if not 0.0 <= self.p <= 1.0:
            raise JirgaError(f"must lie in [0, 1], got {self.p}", field="p")
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
        ties = _Ties(self.tie_decisions if self.ties == "replay" else "", rng)
        game = _Game(problem, number, self.variant, self.p, ties)
        position = (number.array(problem.position) - lower) * step
        positions, voting_positions, preference_mds, voting_mds = [position], [], [], []
        exchange_tables, externality_tables = [], []
        for round_number in range(1, int(self.rounds) + 1):
            ties.round = round_number
            outcome = game.play_round(positions[-1], rng)
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

    def array(self, values: Array) -> Array:
        """Input numbers as decide reads them: the decimal text of the file, e.g. '0.9', not 0.9000000000000000222."""
        if not self.decimal:
            return np.asarray(values, dtype=np.float64)
        flat = [Decimal(repr(float(value))) for value in np.ravel(values)]
        return np.array(flat, dtype=object).reshape(np.shape(values))

    def toward(self, size: Array, direction: Array) -> Array:
        """``size`` with the sign of ``direction`` (+ where it is 0)."""
        return np.where(direction < 0, -size, size) if self.decimal else np.copysign(size, direction)

    def tie_key(self, gains: Array) -> Array:
        return gains if self.decimal else np.round(gains, TIE_DECIMALS)

    def tied(self, first: Any, second: Any) -> bool:
        if self.decimal:
            return abs(first - second) < DECIMAL_TIE
        return bool(first == second)


class _Ties:
    """The tie-breaking policy: replay recorded decisions, then draw from the generator."""

    def __init__(self, recorded: str, rng: np.random.Generator) -> None:
        self.recorded = recorded
        self.rng = rng
        self.used: list[str] = []
        self.log: list[tuple[int, int, bool]] = []
        self.round = 0

    def take_runner_up(self, order: int, exact: bool) -> bool:
        index = len(self.used)
        decision = self.recorded[index] == "1" if index < len(self.recorded) else bool(self.rng.random() >= 0.5)
        self.used.append("1" if decision else "0")
        self.log.append((self.round, order, exact))
        return decision

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


class _Block:
    """Candidate exchanges as packed arrays; side 0 is decide's actor I, side 1 is J.

    I supplies issue q (the second of the pair) and demands p; J supplies p and demands q.
    ``fixed`` holds, per field and side, what a round does not change:
    ``target``, the partner's position on the side's supply issue, where a full move ends;
    ``start``, the side's position there at round start; ``ratio``, the partner's exchange
    ratio per unit of the side's; s, c and W = Σ s c of the supply issue and the side's
    actor's s on its demand issue; the actor's weight s c and the issue's Σ x s c at round
    start. ``state`` holds what realisations change: ``supply_at``, the side's position on its
    supply issue now; the move history as a prefix (sum, min, max) and its last entry
    (``move``); the voting position ``y``; ``eu``; ``nbs0``/``nbs1``, the weighted mean of the
    supply issue before and after the side's move; and ``update_sum`` (float arithmetic), Σ
    over other actors' updates of (update - x) s c. Each field name is a (2, n) view, so a
    block of ``rows`` is gathered and written back with one indexing operation per array.
    """

    def __init__(self, rows: IntArray, fixed: Array, state: Array, gain: Array, valid: BoolArray) -> None:
        self.rows, self.fixed, self.state, self.gain, self.valid = rows, fixed, state, gain, valid
        (
            self.target, self.start, self.ratio, self.supply_salience, self.demand_salience,
            self.supply_capability, self.supply_total, self.supply_weight, self.supply_base,
        ) = fixed
        self.supply_at, self.prefix_sum, self.prefix_min, self.prefix_max, self.move, self.y, self.eu, self.nbs0, self.nbs1, self.update_sum = state

    def freeze(self, sides: BoolArray) -> None:
        """Move the last move of the marked sides into the prefix of their history."""
        move = self.move
        self.prefix_sum[...] = np.where(sides, self.prefix_sum + move, self.prefix_sum)
        self.prefix_min[...] = np.where(sides, np.minimum(self.prefix_min, move), self.prefix_min)
        self.prefix_max[...] = np.where(sides, np.maximum(self.prefix_max, move), self.prefix_max)


class _Candidates(_Block):
    """Every candidate exchange of a round (a _Block over all rows) and what identifies it.

    Per side: ``actor``, ``supply``, ``demand`` (indices) and ``supply_key``/``demand_key``
    (actor x n_issues + issue, demand keys offset by n_actors x n_issues so that the two kinds
    never meet), packed in ``keys``; per row: ``pair`` and ``inner`` (0: the partners are in groups
    A and D of their issue pair, 1: in B and C). ``updates`` are voting positions of other
    actors on the side's supply issue that the candidate takes as given (decide's updates).
    """

    def __init__(self, size: int, n_actors: int, number: _Numbers) -> None:
        state = np.zeros((10, 2, size), dtype=number.dtype)
        fixed = np.zeros((9, 2, size), dtype=number.dtype)
        super().__init__(np.arange(size), fixed, state, np.zeros(size, dtype=number.dtype), np.zeros(size, dtype=bool))
        self.prefix_min[...], self.prefix_max[...] = np.inf, -np.inf
        self.keys = np.zeros((5, 2, size), dtype=np.int64)
        self.supply_key, self.demand_key, self.actor, self.supply, self.demand = self.keys
        self.updates = np.zeros((2, size, n_actors), dtype=number.dtype)
        self.has_update = np.zeros((2, size, n_actors), dtype=bool)
        self.pair = np.zeros(size, dtype=np.int64)
        self.inner = np.zeros(size, dtype=np.int64)

    def take(self, rows: IntArray) -> _Block:
        """A copy of ``rows``."""
        return _Block(rows, self.fixed[:, :, rows], self.state[:, :, rows], self.gain[rows], self.valid[rows])

    def put(self, block: _Block) -> None:
        """Write a block's state, gains and validity back."""
        self.state[:, :, block.rows] = block.state
        self.gain[block.rows] = block.gain
        self.valid[block.rows] = block.valid


class _Game:
    """The rounds of one run: the problem's numbers and the candidate machinery."""

    def __init__(self, problem: Problem, number: _Numbers, variant: str, p: float, ties: _Ties) -> None:
        self.problem = problem
        self.number = number
        self.variant = variant
        self.p = p
        self.ties = ties
        self.salience = number.array(np.where(problem.present, problem.salience, 0.0))
        self.capability = number.array(np.where(problem.present, problem.capability, 0.0))
        self.weight = self.salience * self.capability
        self.total = self.weight.sum(axis=0)
        positive = (problem.salience > 0) & (problem.capability > 0)
        self.trades = problem.present & positive
        """decide divides by salience and by c x s: cells where either is 0 cannot trade."""
        self.pair_p, self.pair_q = np.triu_indices(problem.n_issues, 1)
        self.snapshots: list[tuple[int, Any, Any, Any, Any, Any]] = []
        """Per realised exchange: its row, gain and (nbs0, nbs1) of I and J when it was realised."""

    def weighted_mean(self, position: Array) -> Array:
        """O_d = Σ_k x_kd s_kd c_kd / Σ_k s_kd c_kd (0 where no actor has weight, as decide)."""
        numerator = (position * self.salience * self.capability).sum(axis=0)
        safe = np.where(self.total != 0, self.total, 1)
        return np.where(self.total != 0, numerator / safe, 0 * numerator)

    def play_round(self, position: Array, rng: np.random.Generator) -> _RoundOutcome:
        self.x = position
        self.base = (position * self.salience * self.capability).sum(axis=0)
        self.snapshots = []
        mds = self.weighted_mean(position)
        left = position <= mds
        groups = left[:, self.pair_p].astype(np.int64) + 2 * left[:, self.pair_q]
        both = self.problem.present[:, self.pair_p] & self.problem.present[:, self.pair_q]
        self.groups = np.where(both, groups, -1)
        self.cand = self._candidates(rng)
        self._evaluate(self.cand)
        realised = np.array(self._realise_all(), dtype=np.int64)
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
            externalities=self._externality_columns(),
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
        cand = _Candidates(pair.size, n_actors, self.number)
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

    # ------------------------------------------------------------------ the greedy realisation
    def _realise_all(self) -> list[int]:
        """decide's ModelLoop: realise the highest gain until no candidate is left."""
        cand = self.cand
        queue = np.arange(cand.gain.size)
        self.repeats = False
        """Whether the queue may hold a candidate twice (decide's tie quirk)."""
        self.queued = np.ones(cand.gain.size, dtype=bool)
        self._index_sides()
        realised: list[int] = []
        while queue.size:
            key = self.number.tie_key(cand.gain[queue])
            order = np.argsort(-key, kind="stable")
            queue, key = queue[order], key[order]
            chosen, queue = int(queue[0]), queue[1:]
            self.queued[chosen] = False
            if queue.size and self.number.tied(key[0], key[1]):
                runner_up = int(queue[0])
                exact = bool(cand.gain[chosen] == cand.gain[runner_up])
                if self.ties.take_runner_up(len(realised) + 1, exact):
                    queue = np.append(queue[1:], chosen)
                    self.queued[chosen], self.queued[runner_up] = True, False
                    chosen = runner_up
                else:
                    # decide appends a second reference to the runner-up; copied on purpose.
                    queue = np.append(queue, runner_up)
                    self.repeats = True
            if not cand.valid[chosen]:
                continue
            queue = self._recalculate_queue(queue, chosen)
            realised.append(chosen)
            self.snapshots.append(
                (chosen, cand.gain[chosen], cand.nbs0[0, chosen], cand.nbs1[0, chosen], cand.nbs0[1, chosen], cand.nbs1[1, chosen])
            )
        return realised

    def _recalculate_queue(self, queue: IntArray, chosen: int) -> IntArray:
        """decide's remove_invalid_exchanges: recompute what the realised exchange touches.

        decide walks the queue in order; the order matters only for a second reference to the
        same candidate (its tie quirk) and for a reference to the realised exchange itself
        (which is then recomputed against itself). So the queue is handled in batches: the
        segments between references to the realised exchange, and within a segment one batch
        per repetition of a candidate. Candidates invalid beforehand or afterwards drop out.
        """
        cand = self.cand
        if not self.repeats:
            # Every candidate is queued once and the realised one is not: order does not matter.
            rows = np.flatnonzero(self._touched(chosen) & cand.valid & self.queued)
            if rows.size:
                self._recalculate(rows, chosen)
            keep = cand.valid[queue]
            self.queued[queue[~keep]] = False
            return queue[keep]
        keep = cand.valid[queue].copy()
        touched = self._touched(chosen)[queue] & keep
        bounds = [0, *np.flatnonzero(queue == chosen).tolist(), queue.size]
        for segment, (begin, end) in enumerate(zip(bounds[:-1], bounds[1:])):
            if segment:
                if cand.valid[chosen]:
                    self._recalculate(np.array([chosen]), chosen)
                keep[begin] = cand.valid[chosen]
                begin += 1
            pending = begin + np.flatnonzero(touched[begin:end])
            while pending.size:
                if self.repeats:
                    _, first = np.unique(queue[pending], return_index=True)
                    batch, later = np.split(pending[np.argsort(np.isin(np.arange(pending.size), first, invert=True), kind="stable")], [first.size])
                else:
                    batch, later = pending, pending[:0]
                live = batch[cand.valid[queue[batch]]]
                if live.size:
                    self._recalculate(queue[live], chosen)
                keep[batch] = cand.valid[queue[batch]]
                pending = later
        self.queued[queue[~keep]] = False
        queue = queue[keep]
        self.queued[queue] = True
        self.repeats = np.unique(queue).size < queue.size
        return queue

    def _index_sides(self) -> None:
        """Candidate rows by (actor, supply issue) and by (actor, demand issue) of either side."""
        cand = self.cand
        keys = cand.keys[:2].ravel()
        order = np.argsort(keys, kind="stable")
        self.index_keys = keys[order]
        self.index_rows = np.tile(np.arange(cand.gain.size), 4)[order]

    def _touched(self, chosen: int) -> BoolArray:
        """Which rows have a side of the same actor and supply issue, or actor and demand issue, as ``chosen``."""
        keys = self.cand.keys[:2, :, chosen].ravel()
        starts = np.searchsorted(self.index_keys, keys, side="left")
        ends = np.searchsorted(self.index_keys, keys, side="right")
        touched = np.zeros(self.cand.gain.size, dtype=bool)
        for start, end in zip(starts.tolist(), ends.tolist()):
            touched[self.index_rows[start:end]] = True
        return touched

    def _recalculate(self, rows: IntArray, chosen: int) -> None:
        """decide's AbstractExchange.recalculate of ``rows`` (candidates that share an actor and
        a supply or demand issue with ``chosen``) after ``chosen`` was realised."""
        cand = self.cand
        supply_key, demand_key = cand.keys[:2, :, rows]
        (supply_i, supply_j), (demand_i, demand_j) = cand.keys[:2, :, chosen].tolist()
        actor, y, start = cand.actor[:, chosen].copy(), cand.y[:, chosen].copy(), cand.start[:, chosen].copy()
        # A side that demands what a realised side demanded: the realised partner's voting
        # position becomes an update for this candidate's supplier of that issue.
        to_i = demand_key == demand_j
        to_j = demand_key == demand_i
        sides, columns = np.nonzero(to_i | to_j)
        if sides.size:
            giver = to_j[sides, columns].astype(np.int64)
            self._set_update(1 - sides, rows[columns], actor[giver], y[giver], start[giver])
        block = cand.take(rows)
        # A side that already supplied this issue now starts from its voting position there;
        # decide appends the realised move to its history and pops it again: its own last move
        # stays in the history and the recalculated one comes after it.
        as_i = supply_key == supply_i
        as_j = ~as_i & (supply_key == supply_j)
        overlap = as_i | as_j
        if overlap.any():
            block.supply_at[...] = np.where(as_i, y[0], np.where(as_j, y[1], block.supply_at))
            block.freeze(overlap)
        # Every row shares a supply or demand side with the realised exchange: decide drops the
        # last moves of both sides and recalculates.
        self._evaluate(block)
        cand.put(block)

    def _set_update(self, sides: IntArray, rows: IntArray, giver: IntArray, y: Array, start: Array) -> None:
        """decide's update_updates: the giver's voting position y on these sides' supply issues.

        A first entry is y; a later one is min(old, y) if start <= old, else max(old, y).
        """
        cand = self.cand
        old = cand.updates[sides, rows, giver]
        had = cand.has_update[sides, rows, giver]
        new = np.where(had, np.where(start <= old, np.minimum(old, y), np.maximum(old, y)), y)
        if not self.number.decimal:
            issue = cand.supply[sides, rows]
            before = np.where(had, old, self.x[giver, issue])
            other = cand.actor[sides, rows] != giver
            cand.update_sum[sides, rows] += np.where(other, (new - before) * self.weight[giver, issue], 0.0)
        cand.updates[sides, rows, giver] = new
        cand.has_update[sides, rows, giver] = True

    # ------------------------------------------------------------------ one exchange's numbers
    def _means(self, block: _Block, at: Array) -> Array:
        """Both sides' supply-issue weighted means with the candidates' updates and the side's
        actor at ``at`` (decide's adjusted_nbs): Σ_k x_k s_k c_k / W. Float64 adds the changes to
        the round's sum; Decimal arithmetic sums every term in decide's order."""
        if not self.number.decimal:
            return (block.supply_base + block.update_sum + (at - block.start) * block.supply_weight) / block.supply_total
        columns = np.arange(block.rows.size)
        numerator = [self._numerator(block, side, columns, at[side]) for side in (0, 1)]
        return np.array(numerator, dtype=object).reshape(at.shape) / block.supply_total

    def _numerator(self, block: _Block, side: int, columns: IntArray, at: Array, updates_last: bool = False) -> Array:
        """Σ_k x_k s_k c_k of the side's supply issue for the block's ``columns``, with the
        candidates' updates and the side's actor at ``at``. ``updates_last`` applies the updates
        after placing the actor, as decide's adjusted_nbs_by_position does, so that an update of
        the actor itself wins."""
        cand = self.cand
        rows = block.rows[columns]
        issue, actor = cand.supply[side, rows], cand.actor[side, rows]
        if updates_last:
            at = np.where(cand.has_update[side, rows, actor], cand.updates[side, rows, actor], at)
        if not self.number.decimal:
            return block.supply_base[side, columns] + block.update_sum[side, columns] + (at - block.start[side, columns]) * block.supply_weight[side, columns]
        position = self.x[:, issue].T.copy()
        position = np.where(cand.has_update[side, rows], cand.updates[side, rows], position)
        position[np.arange(rows.size), actor] = at
        return (position * self.salience[:, issue].T * self.capability[:, issue].T).sum(axis=1)

    def _move_valid(self, block: _Block) -> BoolArray:
        """decide's is_move_valid, both sides, on the histories that end in the current moves:
        1e-10 < |m| <= 100, 0 <= x + m <= 100, history sum <= 100, all entries of one sign."""
        slack = self.number.slack
        move = block.move
        size = np.abs(move)
        end = block.supply_at + move
        one_sign = (np.maximum(block.prefix_max, move) < 0) | (np.minimum(block.prefix_min, move) > 0)
        ok = (size <= SCALE + slack) & (size > TINY) & (end >= -slack) & (end <= SCALE + slack)
        valid = ok & (block.prefix_sum + move <= SCALE + slack) & one_sign
        return valid[0] & valid[1]

    def _gain(self, eu: Array) -> Array:
        """Equal gain: both gains are equal, decide keeps I's; a random rate: the smaller one."""
        return eu[0] if self.variant == "equal-gain" else np.minimum(eu[0], eu[1])

    def _evaluate(self, block: _Block) -> None:
        """decide's EqualGainExchange.calculate for every row of ``block``, in place.

        J moves to I's position on p, which shifts O_p by r_p = |x_ip - x_jp| s_jp c_jp / W_p;
        I's move on q follows from the ratio: |m_i| = r_q W_q / (c_iq s_iq). If I would pass
        J's position on q, I moves there instead and J's move follows. The gains are
        eu = |r_sup s_sup - r_dem s_dem| (salience-weighted shifts of the two means). Both sides
        are computed as (2, n) arrays: ``full`` is the shift a side's full move causes,
        ``answer`` the partner's shift that the ratio asks in return.
        """
        salience, capability, total = block.supply_salience, block.supply_capability, block.supply_total
        x, target = block.supply_at, block.target
        gap = np.abs(target - x)
        full = gap * salience * capability / total
        answer = block.ratio[::-1] * full[::-1]
        answer_move = answer * total / (capability * salience)
        over = answer_move[0] > gap[0]
        moves_fully = np.array([over, ~over])
        shift = np.where(moves_fully, full, answer)
        move = np.where(moves_fully, gap, answer_move)
        block.move[...] = self.number.toward(move, target - x)
        block.y[...] = x + block.move
        block.eu[...] = np.abs(shift * salience - shift[::-1] * block.demand_salience)
        block.gain[...] = self._gain(block.eu)
        block.valid[...] = self._move_valid(block) & (block.gain >= TINY)
        # decide's check_nbs sets the means of valid candidates only; an invalid one keeps the
        # means it had (the record of a realised exchange that its tie twin invalidated).
        block.nbs0[...] = np.where(block.valid, self._means(block, x), block.nbs0)
        block.nbs1[...] = np.where(block.valid, self._means(block, block.y), block.nbs1)
        beyond = self._beyond(block)
        if not beyond.any():
            return
        capped = np.flatnonzero(beyond[0])
        if capped.size:
            self._cap_at_demander(block, 0, capped)
            # I's cap moved J too: J's mean after its move changes with it.
            block.nbs1[1, capped] = self._means(block, block.y)[1, capped]
            beyond[1] = self._beyond(block)[1]
        capped = np.flatnonzero(beyond[1])
        if capped.size:
            self._cap_at_demander(block, 1, capped)
        block.valid[...] = block.valid & self._move_valid(block)

    def _beyond(self, block: _Block) -> BoolArray:
        """Valid rows whose partner's position lies strictly between the side's supply-issue
        means before and after its move (nbs0, nbs1): the move pushes the mean past it."""
        before = block.target - block.nbs0
        after = block.target - block.nbs1
        slack = self.number.slack
        return block.valid & (((before > slack) & (after < -slack)) | ((before < -slack) & (after > slack)))

    def _cap_at_demander(self, block: _Block, side: int, columns: IntArray) -> None:
        """decide's check_nbs where the side's move pushes its supply-issue mean past the partner
        (``columns`` of the block, see _beyond): stop the supplier where the mean reaches it.

        nbs0 and nbs1 are the side's supply-issue means before and after its move (with the
        candidate's updates). The move is shortened to |m| = |W (x_partner - nbs0) / (c s)|,
        which puts the mean on the partner, and the partner's move follows from the ratio.
        """
        other = 1 - side
        total = block.supply_total[side, columns]
        salience, demand_salience = block.supply_salience[:, columns], block.demand_salience[:, columns]
        capability, totals = block.supply_capability[:, columns], block.supply_total[:, columns]
        x_own, x_partner, target = block.supply_at[side, columns], block.supply_at[other, columns], block.target[side, columns]
        numerator = self._numerator(block, side, columns, x_own, updates_last=True)
        move_own = np.abs((target * total - numerator) / (salience[side] * capability[side]))
        ratio_own = move_own * salience[side] * capability[side] / total
        ratio_partner = block.ratio[side, columns] * ratio_own
        move_partner = np.abs(ratio_partner * totals[other] / (capability[other] * salience[other]))
        move_partner = np.where(x_partner > block.target[other, columns], -move_partner, move_partner)
        move_own = np.where(x_own > target, -move_own, move_own)
        block.move[other, columns], block.move[side, columns] = move_partner, move_own
        block.y[other, columns], block.y[side, columns] = x_partner + move_partner, x_own + move_own
        eu_partner = np.abs(ratio_partner * salience[other] - ratio_own * demand_salience[other])
        eu_own = np.abs(ratio_own * salience[side] - ratio_partner * demand_salience[side])
        block.gain[columns] = eu_partner if self.variant == "equal-gain" else np.minimum(eu_partner, eu_own)
        block.eu[other, columns], block.eu[side, columns] = eu_partner, eu_own
        block.nbs1[side, columns] = self._numerator(block, side, columns, block.y[side, columns]) / total

    # ------------------------------------------------------------------------ what is recorded
    def _externality_columns(self) -> dict[str, Array]:
        """decide's actor_externalities of every realised exchange, for every actor.

        E_k = (|nbs0_J - x_kp| - |nbs1_J - x_kp|) s_kp + (|nbs0_I - x_kq| - |nbs1_I - x_kq|) s_kq
        with p and q the supply issues of J and I, the means as they were when the exchange was
        realised, and positions at round start: positive when the means moved toward k. Actors
        missing one of the issues get 0; the two traders get the exchange's gain ("own").
        """
        n_actors, count = self.problem.n_actors, len(self.snapshots)
        if not count:
            return {"order": np.zeros(0, dtype=np.int64), "actor": np.zeros(0, dtype=np.int64), "value": np.zeros(0), "kind": np.zeros(0, dtype="U5")}
        cand = self.cand
        rows = np.array([snapshot[0] for snapshot in self.snapshots], dtype=np.int64)
        gain, nbs0_i, nbs1_i, nbs0_j, nbs1_j = (
            np.array([snapshot[k] for snapshot in self.snapshots], dtype=self.number.dtype)[:, None] for k in range(1, 6)
        )
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
