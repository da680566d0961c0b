"""Bueno de Mesquita's expected utility model (EUM), as specified by Scholz, Calbert & Smith (2011).

Sources: B. Bueno de Mesquita, "Political forecasting: an expected utility method" (in
*European Community Decision Making*, 1994) and J. B. Scholz, G. J. Calbert & G. A. Smith,
"Unravelling Bueno de Mesquita's group decision model", Journal of Theoretical Politics
23(4), 2011 (cited below as "Scholz §n"). ``docs/models/eum.md`` explains every step and
every choice; in short, one round on one issue is

1. every actor's risk exponent r_i is reset to 1, the expected utilities are worked out,
   each actor's security (the sum of what the others expect from challenging it) gives
   R_i and r_i = (1 - R_i/3) / (1 + R_i/3) (Scholz §5);
2. the expected utilities are worked out again with the new exponents (Scholz §2.2-§4);
3. each actor i looks at what every other actor j could demand of it (Scholz §6) and
   gives way to at most one of them: it loses a conflict (moves to x_j), compromises
   (moves part of the way) or capitulates (moves to x_j). All moves happen at once.

Two readings of the paper are offered by ``variant``:

``"scholz"`` (default) reproduces the paper's published figure, following the open
replication of J. McKibben-Sanders (github jmckib/bdm-scholz-expected-utility-model), which
reports matching the figure for 10 rounds: the probability of success divides by one
denominator summed over all voters and all ordered pairs of positions, each voter weighs
distances with its own risk exponent, and a conflict beats a compromise beats a capitulation,
compromises being ranked by their |EU|-weighted position.

``"printed"`` follows the formulas as printed: the probability of success of i against j is
the support for x_i over x_j as a share of all votes cast in that one contest (so
P_ij + P_ji = 1), distances are not raised to the voters' exponents, and an actor takes the
offer that needs the smallest change of position.

Both variants capitulate as the paper says (the replication above never does, because of a
typo in its test, which does not change the figure).

Everything is vectorised over all pairs of actors with NumPy, with optional leading batch
dimensions; a round costs O(n² log n) time and O(n²) memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from jirga.errors import JirgaError
from jirga.models.base import Array, BoolArray, IntArray, IssueRun, Problem, Trajectory, per_issue
from jirga.models.baseline import weighted_mean, weighted_median

Variant = Literal["scholz", "printed"]
OfferRule = Literal["variant", "kind_first", "smallest_move"]
PositionRange = Literal["initial", "current", "scale"]
Outcome = Literal["mean", "median"]

VARIANTS: tuple[str, ...] = get_args(Variant)
OFFER_RULES: tuple[str, ...] = get_args(OfferRule)
POSITION_RANGES: tuple[str, ...] = get_args(PositionRange)
OUTCOMES: tuple[str, ...] = get_args(Outcome)

VARIANT_OFFER_RULE: dict[str, str] = {"scholz": "kind_first", "printed": "smallest_move"}
"""The offer rule each variant uses when ``offer_rule`` is ``"variant"``."""

NO_MOVE, CONFLICT, COMPROMISE, CAPITULATION = 0, 1, 2, 3
"""Codes of ``diagnostics["move"]``: how an actor changed position in a round."""

TIE = 1e-12
"""The default ``tie_tolerance``: expected utilities closer than this count as equal, so that
rounding in sums over actors (whose order is arbitrary) never decides between a conflict, a
compromise or nothing."""


@dataclass(frozen=True)
class ExpectedUtility:
    """Bueno de Mesquita's expected utility model (Scholz, Calbert & Smith 2011).

    Parameters (the paper's symbols in brackets):

    ``variant``: ``"scholz"`` reproduces the paper's figure; ``"printed"`` follows the printed
    formulas (see the module docstring and docs/models/eum.md).

    ``rounds``: the most rounds to play. The paper: the steps "are repeated sequentially until
    the issue is resolved" (quoting BDM 1994, p. 238) but its example plays 10 rounds.

    ``tolerance``: stop early once no actor moves by more than ``tolerance`` x the width of the
    issue's scale in a round. With 0 the run stops only at a fixed point, where every further
    round would repeat the last one.

    ``status_quo_probability`` [Q]: the probability that the status quo stays if i does not
    challenge j; ``improvement_probability`` [T]: the probability that a changing status quo
    changes for the better for i. The paper's example uses Q = 1, which makes T irrelevant.

    ``position_range`` [max x - min x, which normalises every distance]: ``"initial"`` the
    range of the actors' starting positions (what the replication that matches the paper
    does), ``"current"`` the range at the start of each round, ``"scale"`` the issue's scale.

    ``outcome``: the forecast read off the final positions: ``"mean"`` the capability x
    salience weighted mean (the series the paper plots), ``"median"`` the weighted median
    (the position that wins every pairwise vote, Scholz §3.2).

    ``offer_rule``: which offer an actor takes when several arrive. The paper (after BDM) has
    each actor accept the one that needs the smallest change of position (``"smallest_move"``);
    the code behind its figure takes a conflict before a compromise before a capitulation, the
    smallest move among conflicts and capitulations and the lowest |EU|-weighted position
    among compromises (``"kind_first"``). ``"variant"`` (default) uses the variant's own rule:
    ``kind_first`` for ``scholz``, ``smallest_move`` for ``printed``. Offers that still tie go
    to the lower target position.

    ``tie_tolerance``: expected utilities (and offer keys, relatively) closer than this count
    as equal; equality makes no offer, since every condition of Scholz §6 is a strict
    inequality. 0 compares exactly.
    """

    variant: Variant = "scholz"
    rounds: int = 10
    tolerance: float = 0.0
    status_quo_probability: float = 1.0
    improvement_probability: float = 1.0
    position_range: PositionRange = "initial"
    outcome: Outcome = "mean"
    offer_rule: OfferRule = "variant"
    tie_tolerance: float = TIE

    name: ClassVar[str] = "eum"
    title: ClassVar[str] = "Expected utility model (Bueno de Mesquita)"
    batched: ClassVar[bool] = True

    def __post_init__(self) -> None:
        _require(self.variant in VARIANTS, "variant", f"must be one of {', '.join(VARIANTS)}, got {self.variant!r}")
        _require(
            isinstance(self.rounds, (int, np.integer)) and not isinstance(self.rounds, bool) and self.rounds >= 0,
            "rounds",
            f"must be a whole number >= 0, got {self.rounds!r}",
        )
        for field_name in ("tolerance", "status_quo_probability", "improvement_probability", "tie_tolerance"):
            value = getattr(self, field_name)
            _require(
                isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and np.isfinite(value),
                field_name,
                f"must be a finite number, got {value!r}",
            )
        for field_name in ("tolerance", "tie_tolerance"):
            value = getattr(self, field_name)
            _require(value >= 0, field_name, f"must be >= 0, got {value!r}")
        for field_name in ("status_quo_probability", "improvement_probability"):
            value = getattr(self, field_name)
            _require(0 <= value <= 1, field_name, f"is a probability in [0, 1], got {value!r}")
        _require(
            self.position_range in POSITION_RANGES,
            "position_range",
            f"must be one of {', '.join(POSITION_RANGES)}, got {self.position_range!r}",
        )
        _require(self.outcome in OUTCOMES, "outcome", f"must be one of {', '.join(OUTCOMES)}, got {self.outcome!r}")
        _require(
            self.offer_rule in OFFER_RULES, "offer_rule", f"must be one of {', '.join(OFFER_RULES)}, got {self.offer_rule!r}"
        )

    def forecast(self, problem: Problem, rng: np.random.Generator) -> Trajectory:
        """Play the model issue by issue; see the class docstring. ``rng`` is not used (no draws).

        Diagnostics, per issue id: ``actors`` (the participants, the order of the arrays'
        actor axis), ``risk_exponent`` r_i used in each round (round 0: 1), ``move`` (the
        codes NO_MOVE, CONFLICT, COMPROMISE, CAPITULATION), ``partner`` (index of the actor
        whose offer was taken, -1 for none), ``eu_own`` and ``eu_partner`` (E^i(U_ij) and
        E^i(U_ji) behind the move taken, 0 for none), ``mean`` and ``median`` (the weighted
        mean and median after each round). Arrays have shape ``(..., rounds + 1, n_actors)``
        or ``(..., rounds + 1)``.
        """
        check_problem(problem)
        return per_issue(self.name, problem, self._run_issue, rng)

    def _run_issue(self, problem: Problem, rng: np.random.Generator) -> IssueRun:
        batch = problem.batch_shape
        if problem.n_actors == 0:
            # Nobody takes part yet (a forecast as of a date before the issue's first stance):
            # nothing to forecast, as the compromise's 0 / 0. The other issues still are.
            return np.empty((*batch, 1, 0, 1)), np.full(batch, np.nan), np.zeros(batch, dtype=np.int64), {"actors": problem.actors}
        n = problem.n_actors
        position = problem.position[..., 0].reshape(-1, n).astype(float)
        capability = np.broadcast_to(problem.capability[..., 0], (*batch, n)).reshape(-1, n)
        salience = np.broadcast_to(problem.salience[..., 0], (*batch, n)).reshape(-1, n)
        width = float(problem.upper[0] - problem.lower[0])
        history = self._play(position, capability, salience, width)
        positions = history.pop("positions")
        played = history.pop("rounds")
        summary = history["mean"] if self.outcome == "mean" else history["median"]
        length = positions.shape[1]
        diagnostics: dict[str, Any] = {"actors": problem.actors}
        for key, value in history.items():
            diagnostics[key] = value.reshape(*batch, *value.shape[1:])
        return (
            positions.reshape(*batch, length, n, 1),
            summary[:, -1].reshape(batch),
            played.reshape(batch),
            diagnostics,
        )

    def _play(self, position: Array, capability: Array, salience: Array, width: float) -> dict[str, Array]:
        """Run up to ``rounds`` rounds on ``(batch, n)`` arrays; the per-round history."""
        batch, n = position.shape
        active = capability > 0
        vote_weight = np.where(active, capability * salience, 0.0)
        outcome_weight = _outcome_weight(vote_weight, active)
        # "current" is re-measured each round; the other ranges are fixed for the whole run.
        fixed_span = {"initial": _span(position, active), "scale": np.full(batch, width)}.get(self.position_range)
        positions = [position]
        risks = [np.ones((batch, n))]
        moves = [np.full((batch, n), NO_MOVE, dtype=np.int8)]
        partners = [np.full((batch, n), -1, dtype=np.int64)]
        eu_own = [np.zeros((batch, n))]
        eu_partner = [np.zeros((batch, n))]
        played = np.zeros(batch, dtype=np.int64)
        running = np.ones(batch, dtype=bool)
        for _ in range(self.rounds):
            if not running.any():
                break
            span = _span(position, active) if fixed_span is None else fixed_span
            step = self._round(position, salience, vote_weight, outcome_weight, active, span)
            new_position = np.where(running[:, None], step.position, position)
            moved = np.abs(new_position - position).max(axis=-1, initial=0.0)
            played += running
            for history, value, idle in (
                (risks, step.risk_exponent, 1.0),
                (moves, step.move, NO_MOVE),
                (partners, step.partner, -1),
                (eu_own, step.eu_own, 0.0),
                (eu_partner, step.eu_partner, 0.0),
            ):
                history.append(np.where(running[:, None], value, idle))
            running &= moved > self.tolerance * width
            position = new_position
            positions.append(position)
        trajectory = np.stack(positions, axis=1)
        weight = outcome_weight[:, None, :, None]
        # Σ w x / Σ w can round one ulp beyond the positions it averages; clip it back.
        mean = weighted_mean(trajectory[..., None], weight)[..., 0]
        mean = np.clip(mean, trajectory.min(axis=-1), trajectory.max(axis=-1))
        return {
            "positions": trajectory,
            "rounds": played,
            "risk_exponent": np.stack(risks, axis=1),
            "move": np.stack(moves, axis=1),
            "partner": np.stack(partners, axis=1),
            "eu_own": np.stack(eu_own, axis=1),
            "eu_partner": np.stack(eu_partner, axis=1),
            "mean": mean,
            "median": weighted_median(trajectory[..., None], np.broadcast_to(weight, (*trajectory.shape, 1)))[..., 0],
        }

    def _round(
        self,
        position: Array,
        salience: Array,
        vote_weight: Array,
        outcome_weight: Array,
        active: BoolArray,
        span: Array,
    ) -> _Round:
        """One round of the model on ``(batch, n)`` arrays (Scholz §2-§6)."""
        # Distances are normalised by the range and only taken between active actors, so that
        # every base of a power below lies in [0, 1].
        span = np.where(span > 0, span, 1.0)
        both = active[:, :, None] & active[:, None, :]
        distance = np.where(both, np.abs(position[:, :, None] - position[:, None, :]) / span[:, None, None], 0.0)
        median = weighted_median(position[..., None], outcome_weight[..., None])[..., 0]
        to_median = np.where(active, np.abs(position - median[:, None]) / span[:, None], 0.0)
        pair = both & (distance > 0)
        neutral = np.ones_like(position)

        # Step 1: security and risk with every r_i = 1 (Scholz §5).
        success = self._probability(position, vote_weight, neutral, active, span)
        _, attacked = self._expected_utilities(success, salience, distance, to_median, neutral)
        risk_exponent = risk_exponents(attacked, active, self.tie_tolerance)

        # Step 2: the expected utilities again, now with the actors' risk exponents.
        if self.variant == "scholz":
            success = self._probability(position, vote_weight, risk_exponent, active, span)
        own, other = self._expected_utilities(success, salience, distance, to_median, risk_exponent)

        # Step 3: offers and the one each actor takes (Scholz §6).
        move, target = classify_offers(own, other, position, pair, self.tie_tolerance)
        mover = position[:, :, None]
        rule = VARIANT_OFFER_RULE[self.variant] if self.offer_rule == "variant" else self.offer_rule
        if rule == "kind_first":
            # A conflict beats a compromise beats a capitulation; compromises are ranked by
            # their |EU|-weighted position (|E_ij| x_i + |E_ji| x_j) / (|E_ij| + |E_ji|).
            priority = move.astype(float)
            weighted = np.abs(own) * mover + np.abs(other) * position[:, None, :]
            total = np.abs(own) + np.abs(other)
            weighted_position = np.divide(weighted, total, out=np.zeros_like(own), where=move == COMPROMISE)
            key = np.where(move == COMPROMISE, weighted_position, np.abs(target - mover))
        else:
            priority = np.zeros_like(own)
            key = np.abs(target - mover)
        chosen, partner = choose_offer(move, priority, key, target, self.tie_tolerance)
        has_move = partner >= 0
        return _Round(
            position=np.where(has_move, chosen, position),
            risk_exponent=risk_exponent,
            move=_at_partner(move, partner),
            partner=partner,
            eu_own=_at_partner(own, partner),
            eu_partner=_at_partner(other, partner),
        )

    def _probability(
        self, position: Array, vote_weight: Array, exponent: Array, active: BoolArray, span: Array
    ) -> Array:
        """P[i, j]: i's probability of prevailing when it challenges j (Scholz §4)."""
        support = third_party_support(position, vote_weight, exponent, active, span)
        if self.variant == "scholz":
            total = all_pairs_votes(position, vote_weight, exponent, active, span)[:, None, None]
            return np.divide(support, total, out=np.zeros_like(support), where=total > 0)
        contest = support + np.swapaxes(support, -1, -2)
        probability = np.divide(support, contest, out=np.full_like(support, 0.5), where=contest > 0)
        same = position[:, :, None] == position[:, None, :]
        return np.where(same, 0.0, probability)

    def _expected_utilities(
        self, success: Array, salience: Array, distance: Array, to_median: Array, exponent: Array
    ) -> tuple[Array, Array]:
        """E^i(U_ij) and E^i(U_ji) for every ordered pair, both seen by i (with i's exponent)."""
        exponent = exponent[:, :, None]
        u_success, u_failure, u_status_quo = basic_utilities(distance, exponent)
        q, t = self.status_quo_probability, self.improvement_probability
        own_change = other_change = 0.0
        if q < 1:
            own_change = status_quo_change(distance, to_median[:, :, None], exponent, t)
            other_change = status_quo_change(distance, to_median[:, None, :], exponent, t)
        own = expected_utility(success, salience[:, None, :], u_success, u_failure, u_status_quo, q, own_change)
        other = expected_utility(
            np.swapaxes(success, -1, -2), salience[:, :, None], u_success, u_failure, u_status_quo, q, other_change
        )
        return own, other


@dataclass(frozen=True)
class _Round:
    position: Array
    risk_exponent: Array
    move: NDArray[np.int8]
    partner: IntArray
    eu_own: Array
    eu_partner: Array


def basic_utilities(distance: Array, exponent: Array) -> tuple[Array, Array, Array]:
    """U_s, U_f and U_sq of a challenger at normalised distance d from its target (Scholz §3).

    U_s = 2 - 4 (0.5 - 0.5 d)^r (success), U_f = 2 - 4 (0.5 + 0.5 d)^r (failure),
    U_sq = 2 - 4 (0.5)^r (status quo); d = |x_i - x_j| / (max x - min x), r the risk exponent
    of the actor whose view this is.
    """
    return (
        2 - 4 * (0.5 - 0.5 * distance) ** exponent,
        2 - 4 * (0.5 + 0.5 * distance) ** exponent,
        2 - 4 * 0.5**exponent,
    )


def status_quo_change(distance: Array, to_median: Array, exponent: Array, t: float) -> Array:
    """T U_b + (1 - T) U_w: the expected utility of a status quo that changes unchallenged (Scholz §3).

    U_b = 2 - 4 (0.5 - 0.25 (d_μ + d))^r (for the better), U_w = 2 - 4 (0.5 + 0.25 (d_μ + d))^r
    (for the worse), where d_μ is the challenger's normalised distance from the median μ.
    """
    reach = 0.25 * (to_median + distance)
    return t * (2 - 4 * (0.5 - reach) ** exponent) + (1 - t) * (2 - 4 * (0.5 + reach) ** exponent)


def expected_utility(
    success: Array,
    target_salience: Array,
    u_success: Array,
    u_failure: Array,
    u_status_quo: Array,
    q: float,
    change: Array | float,
) -> Array:
    """E(U_ij) = s_j (P U_s + (1 - P) U_f) + (1 - s_j) U_s - Q U_sq - (1 - Q)(T U_b + (1 - T) U_w).

    Scholz §2.2: the challenger wins outright if the target does not resist (probability
    1 - s_j) and prevails with probability P if it does; from this is taken what it expects
    without a challenge (``change`` is T U_b + (1 - T) U_w, unused when Q = 1).
    """
    resisted = success * u_success + (1 - success) * u_failure
    challenge = target_salience * resisted + (1 - target_salience) * u_success
    return challenge - q * u_status_quo - (1 - q) * change


def voter_losses(
    voter_position: Array,
    voter_exponent: Array,
    voter_active: BoolArray,
    position: Array,
    active: BoolArray,
    span: Array,
) -> Array:
    """loss[b, k, a] = (|x_k - x_a| / range)^r_k: voter k's utility loss at actor a's position (0 unless both are active)."""
    both = voter_active[:, :, None] & active[:, None, :]
    ratio = np.where(both, np.abs(voter_position[:, :, None] - position[:, None, :]) / span[:, None, None], 0.0)
    return ratio ** voter_exponent[:, :, None]


def third_party_support(position: Array, vote_weight: Array, exponent: Array, active: BoolArray, span: Array) -> Array:
    """N[i, j] = Σ_k c_k s_k max(0, d_kj^r_k - d_ki^r_k): the votes for x_i over x_j (Scholz §3.2, §4).

    Voter k prefers x_i to x_j exactly when it is nearer to x_i, that is on x_i's side of the
    midpoint (x_i + x_j) / 2, so the voters for x_i form a prefix (x_i < x_j) or a suffix
    (x_i > x_j) of the voters sorted by position (a voter at the midpoint adds nothing). N comes
    from cumulative sums over the sorted voters and a binary search for each pair's midpoint:
    O(n² log n) time and O(n²) memory instead of the O(n³) triple sum.
    """
    batch, n = position.shape
    order = np.argsort(position, axis=-1, kind="stable")
    voter_position = np.take_along_axis(position, order, axis=-1)
    voter_weight = np.take_along_axis(vote_weight, order, axis=-1)
    voter_exponent = np.take_along_axis(exponent, order, axis=-1)
    voter_active = np.take_along_axis(active, order, axis=-1)
    loss = voter_losses(voter_position, voter_exponent, voter_active, position, active, span)
    cumulative = np.zeros((batch, n + 1, n))
    np.cumsum(voter_weight[:, :, None] * loss, axis=1, out=cumulative[:, 1:, :])

    # split[b, i, j]: how many voters lie below the midpoint of x_i and x_j. Searching the
    # midpoints row by row in sorted order of x_j is three times faster than in actor order.
    midpoint = (position[:, :, None] + voter_position[:, None, :]) / 2
    split_sorted = np.stack([np.searchsorted(row, points) for row, points in zip(voter_position, midpoint)])
    rank = np.argsort(order, axis=-1)
    split = np.take_along_axis(split_sorted, np.broadcast_to(rank[:, None, :], split_sorted.shape), axis=-1)
    rows = cumulative.reshape(batch, -1)
    column = np.arange(n)
    def below_split(of: NDArray[np.intp]) -> Array:
        """Σ over the voters below each pair's midpoint of w_k loss[k, of]."""
        return np.take_along_axis(rows, (split * n + of).reshape(batch, -1), axis=-1).reshape(batch, n, n)

    for_challenger = below_split(column[None, None, :]) - below_split(column[None, :, None])
    everyone = cumulative[:, n, None, :] - cumulative[:, n, :, None]
    below = position[:, :, None] < position[:, None, :]
    above = position[:, :, None] > position[:, None, :]
    support = np.where(below, for_challenger, np.where(above, everyone - for_challenger, 0.0))
    return np.maximum(support, 0.0)


def all_pairs_votes(position: Array, vote_weight: Array, exponent: Array, active: BoolArray, span: Array) -> Array:
    """Σ_k Σ_a Σ_b c_k s_k |d_kb^r_k - d_ka^r_k| over all voters and ordered pairs of active actors.

    The one denominator of the ``scholz`` probability of success. For sorted values
    y_(0) <= ... <= y_(m-1), Σ_a Σ_b |y_a - y_b| = 2 Σ_k (2k - m + 1) y_(k), so each voter's
    sum costs a sort.
    """
    loss = voter_losses(position, exponent, active, position, active, span)
    loss = np.sort(np.where(active[:, None, :], loss, np.inf), axis=-1)  # inactive positions last
    count = active.sum(axis=-1)[:, None, None]
    rank = np.arange(position.shape[-1])[None, None, :]
    inside = rank < count
    pairwise = 2 * np.where(inside, (2 * rank - count + 1) * np.where(inside, loss, 0.0), 0.0).sum(axis=-1)
    return (vote_weight * pairwise).sum(axis=-1)


def risk_exponents(attacked: Array, active: BoolArray, tie: float = TIE) -> Array:
    """r_i = (1 - R_i/3) / (1 + R_i/3), R_i = (2 S_i - max S - min S) / (max S - min S) (Scholz §5).

    S_i = Σ_{j≠i} E^i(U_ji) is what the others expect from challenging i, worked out with every
    r = 1; the maximum and minimum run over the actors, as the paper prints it. When every
    actor is equally exposed (max S - min S within ``tie`` of the sizes involved) R_i = 0, r_i = 1.
    """
    pair = active[:, :, None] & active[:, None, :] & ~np.eye(active.shape[-1], dtype=bool)
    exposure = np.where(pair, attacked, 0.0).sum(axis=-1)
    anyone = active.any(axis=-1, keepdims=True)
    most = np.where(anyone, np.where(active, exposure, -np.inf).max(axis=-1, keepdims=True), 0.0)
    least = np.where(anyone, np.where(active, exposure, np.inf).min(axis=-1, keepdims=True), 0.0)
    spread = most - least
    distinct = spread > tie * (1 + np.abs(exposure).max(axis=-1, keepdims=True))
    risk = np.divide(2 * exposure - most - least, spread, out=np.zeros_like(exposure), where=distinct & active)
    risk = np.clip(risk, -1.0, 1.0)  # only rounding could leave [-1, 1]
    return (1 - risk / 3) / (1 + risk / 3)


def classify_offers(
    own: Array, other: Array, position: Array, pair: BoolArray, tie: float = TIE
) -> tuple[NDArray[np.int8], Array]:
    """The kind of offer j makes i and where i would move (Scholz §6), from i's expected utilities.

    With E_ij = E^i(U_ij) and E_ji = E^i(U_ji):
    conflict: E_ji > E_ij > 0 (both would fight and i expects to lose): i moves to x_j;
    compromise: E_ji > 0 > E_ij and E_ji > |E_ij|: i moves to x_i + (x_j - x_i) |E_ij / E_ji|;
    capitulation: E_ji > 0 > E_ij and E_ji < |E_ij|: i moves to x_j.
    Values closer than ``tie`` count as equal, and equality makes no offer. Only ``pair``s
    (two active actors at different positions) make offers.
    """
    threatened = pair & (other > tie)
    conflict = threatened & (other > own + tie) & (own > tie)
    compromise = threatened & (own < -tie) & (other > -own + tie)
    capitulation = threatened & (own < -tie) & (other < -own - tie)
    move = np.select([conflict, compromise, capitulation], [CONFLICT, COMPROMISE, CAPITULATION], NO_MOVE).astype(np.int8)
    mover = position[:, :, None]
    partner = position[:, None, :]
    ratio = np.divide(np.abs(own), np.abs(other), out=np.zeros_like(own), where=move == COMPROMISE)
    target = np.where(move == COMPROMISE, mover + (partner - mover) * ratio, partner)
    return move, target


def choose_offer(
    move: NDArray[np.int8], priority: Array, key: Array, target: Array, tie: float = TIE
) -> tuple[Array, IntArray]:
    """Each actor's offer: the lowest ``priority``, then the lowest ``key``, then the lowest target.

    Keys within ``tie`` (relative) of the lowest count as equal. Returns the target positions
    and the partners' indices (-1 where no offer arrived; among partners whose offers tie on
    all three, the first listed).
    """
    candidate = move > NO_MOVE
    for values in (priority, key, target):
        masked = np.where(candidate, values, np.inf)
        lowest = masked.min(axis=-1, keepdims=True)
        candidate &= masked <= lowest + tie * (1 + np.abs(np.where(np.isfinite(lowest), lowest, 0.0)))
    partner = np.where(candidate.any(axis=-1), np.argmax(candidate, axis=-1), -1)
    return _at_partner(target, partner), partner


def _at_partner(matrix: NDArray[Any], partner: IntArray) -> NDArray[Any]:
    """matrix[b, i, partner[b, i]], or 0 where partner is -1."""
    picked = np.take_along_axis(matrix, np.maximum(partner, 0)[..., None], axis=-1)[..., 0]
    return np.where(partner >= 0, picked, 0).astype(matrix.dtype)


def check_problem(problem: Problem) -> None:
    """Reject what the model cannot read: NaN or infinite numbers, negative capability,
    salience outside [0, 1], positions off their issue's scale. Absent cells are not checked."""
    present = np.broadcast_to(problem.present, problem.position.shape)
    tests = (
        ("capability", problem.capability, lambda value: np.isfinite(value) & (value >= 0), "a finite number >= 0"),
        ("salience", problem.salience, lambda value: np.isfinite(value) & (value >= 0) & (value <= 1), "in [0, 1]"),
        (
            "position",
            problem.position,
            lambda value: np.isfinite(value) & (value >= problem.lower) & (value <= problem.upper),
            "on the issue's scale",
        ),
    )
    for field_name, values, valid, expected in tests:
        bad = present & ~valid(np.broadcast_to(values, problem.position.shape))
        if bad.any():
            where = tuple(int(index) for index in np.argwhere(bad)[0])
            actor, issue = problem.actors[where[-2]], problem.issues[where[-1]]
            value = np.broadcast_to(values, problem.position.shape)[where]
            run = f" (batch item {where[:-2]})" if len(where) > 2 else ""
            raise JirgaError(f"actor {actor!r} on issue {issue!r}{run}: {float(value):g} is not {expected}", field=field_name)


def _outcome_weight(vote_weight: Array, active: BoolArray) -> Array:
    """The weights of the median μ and of the forecast: c*s; where every c*s is 0, the actors with
    capability count equally, and where nobody has capability, everybody does."""
    fallback = np.where(active.any(axis=-1, keepdims=True), active, True).astype(float)
    return np.where(vote_weight.sum(axis=-1, keepdims=True) > 0, vote_weight, fallback)


def _span(position: Array, active: BoolArray) -> Array:
    """max x - min x over the active actors (0 when fewer than two distinct positions)."""
    high = np.where(active, position, -np.inf).max(axis=-1)
    low = np.where(active, position, np.inf).min(axis=-1)
    return np.where(np.isfinite(high - low), high - low, 0.0)


def _require(condition: bool, field_name: str, message: str) -> None:
    if not condition:
        raise JirgaError(message, field=f"eum {field_name}")
