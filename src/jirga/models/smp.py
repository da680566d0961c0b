"""KTAB's Spatial Model of Politics (SMP), a port that reproduces KAPSARC's ``smpc`` exactly.

SMP (KAPSARC Toolkit for Behavioural Analysis, KTAB, 2015-2019, github.com/KAPSARC/KTAB) works on
all issues of a problem at once: each actor holds a position *vector* and a salience vector,
values every position by a salience-weighted distance bent by its risk attitude, looks for the
actor it gains most by challenging, and settles each challenge as a bargain that moves both
sides towards a point between them. Every actor then adopts the bargain (or stays put) that a
probabilistic Condorcet election among everyone favours, and the next turn starts.

Every formula below names the KTAB function it comes from (``examples/smp/libsrc/smp.cpp``,
``smpbcn.cpp``, ``KTAB/kmodel/libsrc/kmodel.cpp``); ``docs/models/smp.md`` explains them.
Floating-point operations follow KTAB's: elementwise formulas are written as KTAB writes them,
sums over actors run left to right (the terms of a block of actors are computed at once,
vectorised over all pairs, then added one slice at a time: ``_ordered_totals``) and products
run left to right from one. So the model gives KTAB's own numbers, not merely close ones: the
tests compare every turn of all eight KTAB examples, and, where ``smpc`` is built, 22 other
option settings.

Arrays carry a flattened batch axis ``b`` in front: ``(b, n)`` per actor, ``(b, n, n)`` per
pair, ``(b, n, D)`` per actor and dimension. Positions and saliences inside are on KTAB's unit
scale: ``x = (position - lower) / (upper - lower)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np

from jirga.errors import JirgaError
from jirga.models.base import Array, BoolArray, Problem, Trajectory

VICTORY_MODELS = ("Linear", "Square", "Quartic", "Octic", "Binary")
VOTING_RULES = ("Binary", "PropBin", "Prop", "PropCbc", "Cubic", "ASymProsp")
PCE_MODELS = ("Conditional", "MarkovIncentive", "MarkovUniform")
TRANSITIONS = ("Deterministic", "Stochastic")
RISK_RANGES = ("Min", "Mid", "Max")
RISK_ADJUSTMENTS = ("None", "OneThird", "Half", "TwoThirds", "Full")
THIRD_PARTY_COMMITMENTS = ("NoCommit", "SemiCommit", "FullCommit")
INTERPOLATIONS = ("S1P1", "S2P2", "S2PMax")
BARGAIN_MODELS = ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp")

MIN_COALITION = 1e-8
"""``Model::coalitions``: every coalition starts with this much strength (avoids 0/0)."""
MIN_CONTEST_COALITION = 1e-10
"""``SMPState::probEduChlg``: the principals' coalitions start with this much strength."""
MIN_SIGNIFICANT_GAIN = 1e-5
"""``SMPState::bestChallenge``: a challenge must promise more than this expected gain."""
BARGAIN_EPSILON = 1e-6
"""``SMPActor::interpBrgnSnPm``: breaks the 0/0 case when neither side has any weight."""


@dataclass(frozen=True)
class SpatialModel:
    """KTAB's Spatial Model of Politics on every issue of a problem at once.

    Each parameter is one of KTAB's model options (same names, same defaults as ``smpc``);
    ``docs/models/smp.md`` describes what each value does.
    """

    name: ClassVar[str] = "smp"
    title: ClassVar[str] = "Spatial Model of Politics (KTAB)"
    batched: ClassVar[bool] = True

    victory_probability: str = "Linear"
    """KTAB ``VictoryProbModel``: how coalition strengths become a probability of winning."""
    voting_rule: str = "Prop"
    """KTAB ``VotingRule``: how a difference in utility becomes a vote."""
    pce: str = "Conditional"
    """KTAB ``PCEModel``: the probabilistic Condorcet election over options."""
    transitions: str = "Deterministic"
    """KTAB ``StateTransitions``: adopt the likeliest option, or draw one by its probability."""
    risk_range: str = "Mid"
    """KTAB ``BigRRange``: the range of risk attitudes derived from win probabilities."""
    risk_adjust: str = "OneThird"
    """KTAB ``BigRAdjust``: how far an actor projects its own risk attitude onto others."""
    third_party_commit: str = "SemiCommit"
    """KTAB ``ThirdPartyCommit``: how a third party values joining a side."""
    interpolation: str = "S2P2"
    """KTAB ``InterVecBrgn``: how a bargain's point is interpolated between the two sides."""
    bargain_model: str = "InitOnlyInterp"
    """KTAB ``BargnModel``: which bargains a challenge puts on the table."""
    position_tolerance: float = 1e-3
    """KTAB ``posTol``: positions closer than this (unit scale) count as one option."""
    min_turns: int = 2
    """KTAB stopping rule: never stop before this many turns."""
    max_turns: int = 100
    """KTAB stopping rule: always stop after this many turns."""
    stop_ratio: float = 0.02
    """KTAB stopping rule: stop when a turn moves less than this share of the first turn."""
    min_significant_delta: float = 1e-4
    """KTAB stopping rule: added to the first turn's movement to avoid 0/0."""

    def __post_init__(self) -> None:
        choices = {
            "victory_probability": VICTORY_MODELS,
            "voting_rule": VOTING_RULES,
            "pce": PCE_MODELS,
            "transitions": TRANSITIONS,
            "risk_range": RISK_RANGES,
            "risk_adjust": RISK_ADJUSTMENTS,
            "third_party_commit": THIRD_PARTY_COMMITMENTS,
            "interpolation": INTERPOLATIONS,
            "bargain_model": BARGAIN_MODELS,
        }
        for field_name, allowed in choices.items():
            value = getattr(self, field_name)
            if value not in allowed:
                raise JirgaError(f"{value!r} is not one of {', '.join(allowed)}", field=f"smp.{field_name}")
        if not (isinstance(self.min_turns, int) and isinstance(self.max_turns, int) and 1 <= self.min_turns <= self.max_turns):
            raise JirgaError("need whole numbers 1 <= min_turns <= max_turns", field="smp.max_turns")
        for field_name in ("position_tolerance", "stop_ratio", "min_significant_delta"):
            if not float(getattr(self, field_name)) > 0:
                raise JirgaError("must be positive", field=f"smp.{field_name}")

    def forecast(self, problem: Problem, rng: np.random.Generator) -> Trajectory:
        n_actors, n_issues = problem.n_actors, problem.n_issues
        shape = np.broadcast_shapes(problem.position.shape, problem.salience.shape, problem.capability.shape)
        batch = shape[:-2]
        span = problem.upper - problem.lower
        given = np.broadcast_to(problem.position, shape).reshape(-1, n_actors, n_issues)
        position = (given - problem.lower) / span
        salience = np.broadcast_to(smp_salience(problem.salience), shape).reshape(-1, n_actors, n_issues)
        capability = np.broadcast_to(smp_capability(problem.capability, problem.present), batch + (n_actors,))
        run = _Run(self, capability.reshape(-1, n_actors), salience, rng)
        history = run.simulate(position)
        positions = problem.lower + history.positions * span
        positions[:, 0] = given
        expected = problem.lower + history.expected_outcome * span
        turns = history.turns
        diagnostics: dict[str, Any] = {
            "win_probability": history.win_probability.reshape(*batch, -1, n_actors),
            "risk_attitude": history.risk_attitude.reshape(*batch, -1, n_actors),
            "challenge_target": history.challenge_target.reshape(*batch, -1, n_actors),
            "challenge_probability": history.challenge_probability.reshape(*batch, -1, n_actors),
            "challenge_gain": history.challenge_gain.reshape(*batch, -1, n_actors),
            "moved": history.moved.reshape(*batch, -1, n_actors),
            "turns": turns.reshape(batch),
        }
        return Trajectory(
            model=self.name,
            actors=problem.actors,
            issues=problem.issues,
            positions=positions.reshape(*batch, -1, n_actors, n_issues),
            forecast=expected.reshape(*batch, n_issues),
            rounds=np.repeat(turns[:, None], n_issues, axis=1).reshape(*batch, n_issues),
            diagnostics=diagnostics,
        )


def smp_salience(salience: Array) -> Array:
    """Saliences as KTAB reads them: shares of one actor's attention, summing to at most 1.

    KTAB rejects an actor whose saliences add up to more than 1 (100 on its CSV scale); we scale
    such an actor's saliences down to sum to 1 instead. Distances do not change (they are
    normalised by the saliences), only how much the actor cares overall.
    """
    total = _ordered_sum(salience, axis=-1)
    shares = np.where(total[..., None] > 1.0, salience / np.maximum(total, 1.0)[..., None], salience)
    return ktab_fraction(shares)


def ktab_fraction(salience: Array) -> Array:
    """A salience as ``smpc`` holds it: its percent figure divided by 100.0 in binary.

    KTAB reads saliences in percent and divides by 100.0, so 43.31 becomes 0.43310000000000004,
    one unit in the last place away from 0.4331, which jirga stores. The percent figure is
    recovered exactly from the shortest decimal form of the fraction (0.4331 -> 43.31), so the
    model sees KTAB's own numbers; without this, options that do not round their bargains
    (PWCompInterp, S2PMax) drift from ``smpc`` in the last bits.
    """
    values, inverse = np.unique(salience, return_inverse=True)
    percent_over_100 = np.array([float(Decimal(repr(float(value))) * 100) / 100.0 for value in values])
    return percent_over_100[inverse].reshape(salience.shape)


def smp_capability(capability: Array, present: BoolArray) -> Array:
    """One capability per actor, as SMP needs: its value on the issues it takes part in.

    A scenario may give an actor issue-specific capabilities; SMP then uses their mean over the
    actor's issues (an actor with one capability throughout keeps that number exactly).
    """
    present = np.broadcast_to(present, capability.shape)
    count = present.sum(axis=-1)
    mean = np.where(present, capability, 0.0).sum(axis=-1) / np.maximum(count, 1)
    first = np.take_along_axis(capability, np.argmax(present, axis=-1)[..., None], axis=-1)[..., 0]
    uniform = np.all(np.where(present, capability == first[..., None], True), axis=-1)
    return np.where(count == 0, 0.0, np.where(uniform, first, mean))


# ---------------------------------------------------------------------------------------------
# Ordered arithmetic helpers


def _ordered_sum(values: Array, axis: int = -1) -> Array:
    """Σ over ``axis`` in index order, as KTAB's loops add (``np.sum`` adds pairwise)."""
    terms = np.moveaxis(values, axis, 0)
    total = np.zeros(terms.shape[1:])
    for term in terms:
        total += term
    return total


def _ordered_product(values: Array, axis: int = -1) -> Array:
    """Π over ``axis`` in index order from 1.0, as ``Model::condPCE`` multiplies."""
    factors = np.moveaxis(values, axis, 0)
    product = np.ones(factors.shape[1:])
    for factor in factors:
        product *= factor
    return product


BLOCK_ELEMENTS = 1 << 14
"""Target size of one block of terms in :func:`_ordered_totals`: 128 KB of doubles, small enough
for the cache and for glibc's malloc to recycle rather than map and unmap fresh pages each time
(which made larger blocks three times slower)."""


def _ordered_totals(starts: tuple[Array, ...], terms: Callable[[Array], tuple[Array, ...]], count: int) -> tuple[Array, ...]:
    """Each start plus its terms for the indices 0, 1, ..., count - 1, added one at a time in order.

    ``terms(indices)`` returns, for a block of indices, one array per start with the block on
    a new first axis. Computing the terms block by block keeps temporaries near cache size
    with one NumPy call per block rather than per index; adding them one slice at a time keeps
    KTAB's left-to-right order exactly.
    """
    size = max(max(np.size(start) for start in starts), 1)
    block = max(1, BLOCK_ELEMENTS // size)
    totals: list[Array] = [np.array(start, dtype=float) for start in starts]
    for first in range(0, count, block):
        block_terms = terms(np.arange(first, min(first + block, count)))
        for position, term in enumerate(block_terms):
            total = totals[position]
            if total.shape != term.shape[1:]:
                total = totals[position] = np.broadcast_to(total, np.broadcast_shapes(total.shape, term.shape[1:])).copy()
            for row in term:
                total += row
    return tuple(totals)


def _norm(difference: Array) -> Array:
    """``KBase::norm`` over the last axis: sqrt of the squares summed in index order."""
    return np.sqrt(_ordered_sum(difference * difference, axis=-1))


# ---------------------------------------------------------------------------------------------
# Utility: SMPModel::bvDiff, SMPModel::bsUtil


def salience_distance(ideal: Array, point: Array, salience: Array) -> Array:
    """``SMPModel::bvDiff``: d_i(z) = sqrt(Σ_k (s_ik (y_ik - z_k))² / Σ_k s_ik²).

    ``ideal`` and ``salience`` are ``(b, n, D)``, ``point`` is ``(b, m, D)``; the result is
    ``(b, n, m)``. An actor with no salience at all is indifferent: distance 0 (KTAB throws).
    """
    weighted = np.zeros((ideal.shape[0], ideal.shape[1], point.shape[1]))
    norm = np.zeros(ideal.shape[:2])
    for k in range(ideal.shape[-1]):
        term = (ideal[:, :, None, k] - point[:, None, :, k]) * salience[:, :, None, k]
        weighted = weighted + term * term
        norm = norm + salience[:, :, k] * salience[:, :, k]
    norm = norm[:, :, None]
    return np.sqrt(weighted / np.where(norm > 0, norm, 1.0))


def risk_utility(distance: Array, risk: Array) -> Array:
    """``SMPModel::bsUtil``: u(d, R) = (1 - d)(1 + d R); R > 0 risk-averse, R < 0 risk-acceptant.

    KTAB switches to (1 - d)(1 + R) for d > 1, which cannot happen on the unit scale.
    """
    return (1 - distance) * (1 + distance * risk)


# ---------------------------------------------------------------------------------------------
# Votes, coalitions, victory probabilities, PCE: Model::vote, coalitions, vProb, condPCE, ...


def vote(rule: str, weight: Array, better: Array, worse: Array) -> Array:
    """``Model::vote``: actor's vote for option a over b given its utilities u(a), u(b).

    Prop w·Δu; Binary w·clip(Δu/1e-8, -1, 1); PropBin w·(0.8Δu + 0.2·bin); PropCbc
    w·(0.5Δu + 0.5Δu³); Cubic w·Δu³; ASymProsp w·Δu for losses, (2/3)w·Δu for gains.
    A zero weight gives a zero vote (KTAB refuses non-positive weights).
    """
    du = better - worse
    if rule == "Prop":
        return weight * du
    if rule == "Cubic":
        return weight * (du * du * du)
    if rule == "PropCbc":
        return weight * ((1 - 0.5) * du + 0.5 * (du * du * du))
    if rule == "ASymProsp":
        return np.where(du < 0.0, weight * du, np.where(du > 0.0, (2.0 * weight * du) / 3.0, 0.0))
    binary = np.clip(du / 1e-8, -1.0, 1.0)
    if rule == "Binary":
        return weight * binary
    return weight * ((1 - 0.2) * du + 0.2 * binary)  # PropBin


def coalitions(rule: str, weight: Array, utility: Array) -> tuple[Array, Array]:
    """``Model::coalitions`` for every ordered pair of options at once.

    ``weight`` is ``(b, V)``, ``utility`` ``(b, V, O)``. Returns ``(support, opposition)``, each
    ``(b, O, O)``: support[a, b] = 1e-8 + Σ_v max(v_v(a:b), 0) and opposition[a, b] =
    1e-8 - Σ_v min(v_v(a:b), 0), voters added in index order. For a pair a > b KTAB's
    C(a, b) is support[a, b] and C(b, a) is opposition[a, b]. For the symmetric voting rules
    (all but ASymProsp) opposition is the transpose of support.
    """
    n_batch, n_voters, n_options = utility.shape
    asymmetric = rule == "ASymProsp"
    by_voter = utility.transpose(1, 0, 2)
    weight_by_voter = weight.T[:, :, None, None]
    support = np.empty((n_batch, n_options, n_options))
    opposition = np.empty_like(support) if asymmetric else None
    # options a in chunks whose pairs fill one block, so that large elections stay in cache
    rows = max(1, BLOCK_ELEMENTS // (n_batch * n_options))
    for chunk in np.array_split(np.arange(n_options), -(-n_options // rows)):

        def votes(voters: Array) -> tuple[Array, ...]:
            block = by_voter[voters]
            cast = vote(rule, weight_by_voter[voters], block[:, :, chunk, None], block[:, :, None, :])
            if asymmetric:
                return np.maximum(cast, 0.0), -np.minimum(cast, 0.0)
            return (np.maximum(cast, 0.0),)

        start = np.full((n_batch, chunk.size, n_options), MIN_COALITION)
        totals = _ordered_totals((start, start) if asymmetric else (start,), votes, n_voters)
        support[:, chunk] = totals[0]
        if opposition is not None:
            opposition[:, chunk] = totals[1]
    return support, support.transpose(0, 2, 1) if opposition is None else opposition


def victory_pair(model: str, strength: Array, against: Array) -> tuple[Array, Array]:
    """``Model::vProb(vpm, s1, s2)``: (P[1 beats 2], P[2 beats 1]) from two coalition strengths.

    Linear s1/(s1+s2); Square, Quartic, Octic raise the strengths to the power 2, 4, 8 first;
    Binary gives certainty from a 10% edge and interpolates linearly below it.
    """
    if model == "Linear":
        first, second = strength, against
    elif model == "Square":
        first, second = strength * strength, against * against
    elif model in ("Quartic", "Octic"):
        first = strength * strength * strength * strength
        second = against * against * against * against
        if model == "Octic":
            first, second = first * first, second * second
    else:  # Binary
        threshold = 1.10
        share = strength / (strength + against)
        interpolated = (share * (threshold + 1.0) - 1.0) / (threshold - 1.0)
        first = np.where(strength >= threshold * against, 1.0, np.where(against >= threshold * strength, 1e-6, interpolated))
        second = np.where(
            strength >= threshold * against, 1e-6, np.where(against >= threshold * strength, 1.0, 1 - interpolated)
        )
    return first / (first + second), second / (first + second)


def victory_matrix(model: str, strength: Array) -> Array:
    """``Model::vProb(vpm, C)``: pv[a, b] = P[option a beats b] from C[a, b] (``(..., m, m)``).

    KTAB evaluates each pair once, from the lower triangle (a > b), and sets pv[a, a] = 1/2.
    """
    size = strength.shape[-1]
    lower = np.tri(size, size, -1, dtype=bool)
    first, second = victory_pair(model, strength, np.swapaxes(strength, -1, -2))
    matrix = np.where(lower, first, np.swapaxes(second, -1, -2))
    matrix[..., np.arange(size), np.arange(size)] = 0.5
    return matrix


def condorcet_probability(pce: str, victory: Array, strength: Array, valid: BoolArray) -> Array:
    """The probabilistic Condorcet election: each valid option's chance of being chosen.

    ``victory`` and ``strength`` are ``(g, m, m)`` for ``g`` independent elections, ``valid``
    ``(g, m)`` marks the options that exist (padding slots get probability 0).

    - Conditional (``Model::condPCE``): P_a ∝ Π_b pv[a, b], the chance a beats every option.
    - MarkovUniform (``Model::markovUniformPCE``): iterate q_a = (1/m) Σ_b pv[a,b](p_a + p_b),
      p <- (p + q)/2 from the uniform p until no p_a moves more than 1e-6.
    - MarkovIncentive (``Model::markovIncentivePCE``): the challenger of option b is a with
      probability ∝ C[a,b] pv[a,b] (+1e-10 for a = b); iterate q_a = Σ_b pv[a,b](ct[a,b] +
      ct[b,a]), ct[a,b] = p_a chlg[b,a], with the same averaging, to a tolerance of 1e-8.
    """
    pair_valid = valid[:, :, None] & valid[:, None, :]
    if pce == "Conditional":
        product = _ordered_product(np.where(pair_valid, victory, 1.0), axis=-1)
        product = np.where(valid, product, 0.0)
        return product / _ordered_sum(product, axis=-1)[:, None]
    count = valid.sum(axis=-1, keepdims=True).astype(float)
    probability = np.where(valid, 1.0 / count, 0.0)
    victory = np.where(pair_valid, victory, 0.0)
    if pce == "MarkovUniform":
        tolerance = 1e-6

        def update(current: Array) -> Array:
            terms = victory * (current[:, :, None] + current[:, None, :])
            return _ordered_sum(terms, axis=-1) / count

    else:
        tolerance = 1e-8
        incentive = np.where(pair_valid, strength * victory, 0.0)
        diagonal = np.arange(victory.shape[-1])
        incentive[:, diagonal, diagonal] = np.where(valid, incentive[:, diagonal, diagonal] + 1e-10, 0.0)
        column_total = _ordered_sum(incentive, axis=-2)
        challenge = incentive / np.where(column_total > 0, column_total, 1.0)[:, None, :]

        def update(current: Array) -> Array:
            ct = current[:, :, None] * np.swapaxes(challenge, -1, -2)
            return _ordered_sum(victory * (ct + np.swapaxes(ct, -1, -2)), axis=-1)

    active = np.ones(probability.shape[0], dtype=bool)
    for _ in range(1000):
        following = update(probability)
        change = np.max(np.abs(following - probability), axis=-1)
        probability = np.where(active[:, None], (probability + following) / 2.0, probability)
        active &= change > tolerance
        if not active.any():
            break
    return probability


def election(
    rule: str, vpm: str, pce: str, weight: Array, utility: Array, valid: BoolArray | None = None
) -> Array:
    """``Model::scalarPCE``: each option's probability when actors weighted ``weight`` vote.

    ``utility`` is ``(b, V, m)`` (voter, option) with options in KTAB's order; ``valid`` masks
    options that exist (default all).
    """
    support, opposition = coalitions(rule, weight, utility)
    size = utility.shape[-1]
    lower = np.tri(size, size, -1, dtype=bool)
    strength = np.where(lower, support, np.swapaxes(opposition, -1, -2))
    victory = victory_matrix(vpm, strength)
    if valid is None:
        valid = np.ones(utility.shape[::2], dtype=bool)
    return condorcet_probability(pce, victory, strength, valid)


# ---------------------------------------------------------------------------------------------
# Risk attitudes: Model::bigRfromProb, Model::estNRA


def risk_attitudes(probability: Array, risk_range: str) -> Array:
    """``Model::bigRfromProb``: risk attitude from the chance that the actor's position wins.

    Min (P - Pmin)/(Pmax - Pmin) in [0, 1]; Mid (3P - (Pmax + 2Pmin))/(2(Pmax - Pmin)) in
    [-1/2, 1]; Max (2P - (Pmax + Pmin))/(Pmax - Pmin) in [-1, 1]. When every position is
    equally likely KTAB divides 0 by 0; everyone is then risk-neutral (R = 0).
    """
    low = np.minimum(probability.min(axis=-1, keepdims=True), 1.0)
    high = np.maximum(probability.max(axis=-1, keepdims=True), 0.0)
    spread = high - low
    safe = np.where(spread > 0, spread, 1.0)
    if risk_range == "Min":
        risk = (probability - low) / safe
    elif risk_range == "Mid":
        risk = (3 * probability - (high + 2 * low)) / (2 * safe)
    else:
        risk = (2 * probability - (high + low)) / safe
    return np.where(spread > 0, risk, 0.0)


def perceived_risk(risk: Array, adjust: str) -> Array:
    """``Model::estNRA``: r[h, i], actor h's estimate of actor i's risk attitude (``(b, n, n)``).

    None r_h; OneThird (2 r_h + r_i)/3; Half (r_h + r_i)/2; TwoThirds (r_h + 2 r_i)/3; Full r_i.
    """
    own, other = risk[:, :, None], risk[:, None, :]
    if adjust == "None":
        return np.broadcast_to(own, own.shape[:1] + (risk.shape[1], risk.shape[1])).copy()
    if adjust == "OneThird":
        return ((2.0 * own) + other) / 3.0
    if adjust == "Half":
        return (own + other) / 2
    if adjust == "TwoThirds":
        return (own + (2.0 * other)) / 3.0
    return np.broadcast_to(other, other.shape[:1] + (risk.shape[1], risk.shape[1])).copy()


# ---------------------------------------------------------------------------------------------
# One state: SMPState::setAllAUtil and the reported win probabilities (pDist, posProb)


@dataclass(frozen=True)
class _State:
    position: Array
    """``(b, n, D)`` unit-scale positions (= ideals: KTAB's accommodation is the identity)."""
    distance: Array
    """``(b, n, n)``: distance[i, j] = d_i(x_j), from i's ideal to j's position."""
    risk: Array
    """``(b, n)``: each actor's risk attitude r_i."""
    perceived: Array
    """``(b, n, n)``: perceived[h, i] = h's estimate of i's risk attitude."""

    def utility(self, batch: Any, viewer: Any, actor: Any, option: Any) -> Array:
        """A_viewer(actor, option) = u(d_actor(x_option), r[viewer, actor]); index arrays broadcast."""
        return risk_utility(self.distance[batch, actor, option], self.perceived[batch, viewer, actor])


class _Run:
    """One SMP run over a batch: holds the options and the per-actor constants."""

    def __init__(self, model: SpatialModel, capability: Array, salience: Array, rng: np.random.Generator) -> None:
        self.model = model
        self.capability = capability
        self.salience = salience
        self.salience_total = _ordered_sum(salience, axis=-1)
        self.weight = self.salience_total * self.capability
        """``(b, n)``: σ_i c_i, the weight of an actor's voice in a contest (probEduChlg)."""
        self.rng = rng
        self.n_batch, self.n_actors = salience.shape[:2]

    # -- state set-up -------------------------------------------------------------------------

    def state(self, position: Array) -> _State:
        """``SMPState::setAllAUtil``: distances, risk-neutral election, risk attitudes."""
        model = self.model
        distance = salience_distance(position, position, self.salience)
        neutral = risk_utility(distance, 0.0)
        probability = election(model.voting_rule, model.victory_probability, model.pce, self.capability, neutral)
        risk = risk_attitudes(probability, model.risk_range)
        return _State(position, distance, risk, perceived_risk(risk, model.risk_adjust))

    def win_probability(self, state: _State) -> tuple[Array, Array]:
        """``SMPState::pDist(-1)`` and ``State::posProb``: each actor's position's chance to win.

        Options are the distinct positions (``setUENdx``: an actor joins the first earlier
        representative within ``position_tolerance``); actor i reports the probability of the
        last representative within tolerance of its position. Returns ``(per actor, expected
        outcome)``: Σ_u P_u m_u on the unit scale, m_u the mean position of the actors that
        joined representative u (so that the order of the actors does not pick the point).
        """
        position = state.position
        close = _norm(position[:, :, None, :] - position[:, None, :, :]) < self.model.position_tolerance
        earlier = close & np.tri(self.n_actors, self.n_actors, -1, dtype=bool)
        representative = ~earlier.any(axis=-1)
        for actor in np.flatnonzero(earlier.any(axis=(0, 2))):  # only actors near an earlier one
            representative[:, actor] = ~np.any(representative[:, :actor] & earlier[:, actor, :actor], axis=-1)
        columns = np.flatnonzero(representative.any(axis=0))
        actors = np.arange(self.n_actors)
        own = risk_utility(state.distance[:, :, columns], state.perceived[:, actors, actors][:, :, None])
        valid = representative[:, columns]
        model = self.model
        chance = election(model.voting_rule, model.victory_probability, model.pce, self.capability, own, valid)
        holder = np.where(close[:, :, columns] & valid[:, None, :], np.arange(columns.size), -1).max(axis=-1)
        per_actor = np.take_along_axis(chance, holder, axis=-1)
        joined = np.where(close[:, :, columns] & valid[:, None, :], np.arange(columns.size), columns.size).min(axis=-1)
        member = joined[:, :, None] == np.arange(columns.size)
        mean = np.einsum("bnu,bnd->bud", member, position) / np.maximum(member.sum(axis=1), 1)[:, :, None]
        expected = np.einsum("bu,bud->bd", chance, mean)
        return per_actor, expected

    # -- challenges: SMPState::probEduChlg, bestChallenge --------------------------------------

    def contest(
        self,
        state: _State,
        viewer: Array,
        affected: Array,
        initiator: Array,
        receiver: Array,
    ) -> tuple[Array, Array]:
        """``SMPState::probEduChlg(h, k, i, j)``: h's estimate of P[i beats j] and of k's gain.

        Index arrays (batch axis first) broadcast to the contest shape ``(b, ...)``. The
        principals' votes v_i = w_i (A(i,i) - A(i,j)) and v_j = w_j (A(j,i) - A(j,j)) open the
        coalitions (from 1e-10); each third party t then judges the little contest of i, j and
        itself (``Actor::vProbLittle``) and votes by ``Actor::thirdPartyVoteSU``. With p =
        C_ij/(C_ij + C_ji): k's gain = (1 - σ_j) Win + σ_j (p Win + q Lose) - SQ, where SQ =
        A(k,i) + A(k,j), Win = 2 A(k,i), Lose = 2 A(k,j) and σ_j is j's total salience (its
        will to resist). Here A = A_h, h's view of everyone's utilities.
        """
        rule = self.model.voting_rule
        batch = _batch_index(self.n_batch, viewer, affected, initiator, receiver)
        u_ii = state.utility(batch, viewer, initiator, initiator)
        u_ij = state.utility(batch, viewer, initiator, receiver)
        u_ji = state.utility(batch, viewer, receiver, initiator)
        u_jj = state.utility(batch, viewer, receiver, receiver)
        own_i = vote(rule, self.weight[batch, initiator], u_ii, u_ij)
        own_j = vote(rule, self.weight[batch, receiver], u_ji, u_jj)
        base_i = (MIN_CONTEST_COALITION + np.maximum(own_i, 0.0)) + np.maximum(own_j, 0.0)
        base_j = (MIN_CONTEST_COALITION - np.minimum(own_i, 0.0)) - np.minimum(own_j, 0.0)
        third_party_votes = self._third_party_votes(state, batch, viewer, initiator, receiver, base_i, base_j)
        for_i, for_j = _ordered_totals((base_i, base_j), third_party_votes, self.n_actors)
        p_i = for_i / (for_i + for_j)
        p_j = for_j / (for_i + for_j)
        u_ki = state.utility(batch, viewer, affected, initiator)
        u_kj = state.utility(batch, viewer, affected, receiver)
        status_quo = u_ki + u_kj
        win = u_ki + u_ki
        lose = u_kj + u_kj
        contest = p_i * win + p_j * lose
        resist = self.salience_total[batch, receiver]
        challenge = (1 - resist) * win + resist * contest
        return p_i, challenge - status_quo

    def _third_party_votes(
        self,
        state: _State,
        batch: Array,
        viewer: Array,
        initiator: Array,
        receiver: Array,
        base_i: Array,
        base_j: Array,
    ) -> Callable[[Array], tuple[Array, Array]]:
        """The votes of a block of third parties t for i's and j's coalitions (0 for t ∈ {i, j})."""
        rule = self.model.voting_rule
        commit = self.model.third_party_commit
        ndim = max(np.ndim(base_i), np.ndim(initiator), np.ndim(receiver))
        batch, viewer, initiator, receiver = (np.asarray(index)[None] for index in (batch, viewer, initiator, receiver))

        def votes(thirds: Array) -> tuple[Array, Array]:
            third = thirds.reshape((-1,) + (1,) * ndim)
            u_ti = state.utility(batch, viewer, third, initiator)
            u_tt = state.utility(batch, viewer, third, third)
            distance = state.distance[batch, third, receiver]
            u_tj = distance * state.perceived[batch, viewer, third]
            u_tj += 1
            u_tj *= 1 - distance
            weight = self.weight[batch, third]
            alone = vote(rule, weight, u_ti, u_tj)
            little_i = np.maximum(alone, 0.0)
            little_i += base_i
            little_j = np.minimum(alone, 0.0, out=alone)
            np.subtract(base_j, little_j, out=little_j)
            p_i = little_i / (little_i + little_j)
            p_j = np.subtract(1.0, p_i, out=little_j)
            side_i, side_j = _third_party_values(commit, p_i, p_j, u_ti, u_tj, u_tt)
            # a principal is no third party: zero weight, zero vote
            counted = weight * ((initiator != third) & (receiver != third))
            cast = vote(rule, counted, side_i, side_j)
            against = np.minimum(cast, 0.0)
            np.negative(against, out=against)
            return np.maximum(cast, 0.0, out=cast), against

        return votes

    def best_challenges(self, state: _State) -> tuple[Array, Array, Array]:
        """``SMPState::bestChallengeUtils`` + ``bestChallenge``: each actor's best target.

        Actor i evaluates every j != i from its own point of view (h = k = i) and picks the
        largest expected gain above 1e-5, the lowest j on ties. Returns ``(target, P[i beats
        target], gain)``, target -1 for an actor that challenges nobody.
        """
        actors = np.arange(self.n_actors)
        receiver = actors[None, None, :]
        # initiators in chunks whose pairs fill one block, so that large problems stay in cache
        rows = max(1, BLOCK_ELEMENTS // (self.n_batch * self.n_actors))
        results = [
            self.contest(state, chunk[None, :, None], chunk[None, :, None], chunk[None, :, None], receiver)
            for chunk in np.array_split(actors, -(-self.n_actors // rows))
        ]
        probability = np.concatenate([result[0] for result in results], axis=1)
        gain = np.concatenate([result[1] for result in results], axis=1)
        initiator = actors[None, :, None]
        eligible = (gain > MIN_SIGNIFICANT_GAIN) & (initiator != receiver)
        candidate = np.where(eligible, gain, -np.inf)
        target = np.argmax(candidate, axis=-1)
        has = eligible.any(axis=-1)
        chosen_probability = np.take_along_axis(probability, target[..., None], axis=-1)[..., 0]
        chosen_gain = np.take_along_axis(gain, target[..., None], axis=-1)[..., 0]
        return np.where(has, target, -1), chosen_probability, chosen_gain

    # -- bargains: SMPActor::interpolateBrgn, SMPState::doBCN ---------------------------------

    def interpolate(self, initiator: Array, receiver: Array, position: Array, p_initiator: Array) -> tuple[Array, Array]:
        """``SMPActor::interpolateBrgn``: the bargain's points (b_i, b_j), each ``(b, n, D)``.

        S1P1 / S2P2 (``interpBrgnSnPm``): w_i = s_ik^n P_i^m, w_j = s_jk^n P_j^m and
        b_ik = R4(((w_i + ε) x_ik + w_j x_jk)/(w_i + ε + w_j)), b_jk = R4((w_i x_ik + (ε + w_j)
        x_jk)/(w_i + ε + w_j)), R4 rounding to 1e-4, ε = 1e-6. S2PMax
        (``interpBrgnS2PMax``): each side concedes d = max(0, P_other - P_own) of the way,
        weighted by the squared saliences, unrounded.
        """
        batch = np.arange(self.n_batch)[:, None]
        x_i, x_j = position[batch, initiator], position[batch, receiver]
        s_i, s_j = self.salience[batch, initiator], self.salience[batch, receiver]
        p_i = p_initiator[..., None]
        p_j = 1 - p_i
        if self.model.interpolation == "S2PMax":
            d_i = np.where(p_j > p_i, p_j - p_i, 0.0)
            d_j = np.where(p_i > p_j, p_i - p_j, 0.0)
            s_i2, s_j2 = s_i * s_i, s_j * s_j
            share_i = (d_i * s_j2) / ((d_i * s_j2) + BARGAIN_EPSILON + ((1 - d_i) * s_i2))
            share_j = (d_j * s_i2) / ((d_j * s_i2) + BARGAIN_EPSILON + ((1 - d_j) * s_j2))
            return x_i + share_i * (x_j - x_i), x_j + share_j * (x_i - x_j)
        if self.model.interpolation == "S2P2":
            w_i = (s_i * s_i) * (p_i * p_i)
            w_j = (s_j * s_j) * (p_j * p_j)
        else:
            w_i = s_i * p_i
            w_j = s_j * p_j
        total = w_i + BARGAIN_EPSILON + w_j
        point_i = _round4(((w_i + BARGAIN_EPSILON) * x_i + w_j * x_j) / total)
        point_j = _round4((w_i * x_i + (BARGAIN_EPSILON + w_j) * x_j) / total)
        return point_i, point_j

    def bargains(self, state: _State, target: Array, p_target: Array) -> _Bargains:
        """The bargains every challenge puts on the table (``SMPState::doBCN(i)``).

        InitOnlyInterp: the bargain from the initiator's view; InitRcvrInterp: that and the
        receiver's view; PWCompInterp: only their weighted compromise (weights c_i σ_i and
        c_i σ_j, as KTAB's code has them). The receiver's view uses what KTAB passes as its
        probability: the second value of probEduChlg(j, i, i, j), the gain to i as j sees it.
        """
        actors = np.broadcast_to(np.arange(self.n_actors), target.shape)
        receiver = np.where(target >= 0, target, actors)
        own_i, own_j = self.interpolate(actors, receiver, state.position, p_target)
        mode = self.model.bargain_model
        if mode == "InitOnlyInterp":
            return _Bargains(actors, receiver, target >= 0, own_i, own_j)
        _, receiver_view = self.contest(state, receiver, actors, actors, receiver)
        other_i, other_j = self.interpolate(actors, receiver, state.position, receiver_view)
        if mode == "InitRcvrInterp":
            stack = lambda first, second: np.stack([first, second], axis=2).reshape(self.n_batch, -1, *first.shape[2:])
            return _Bargains(
                stack(actors, actors),
                stack(receiver, receiver),
                stack(target >= 0, target >= 0),
                stack(own_i, other_i),
                stack(own_j, other_j),
                variant=np.tile([0, 1], self.n_actors),
            )
        batch = np.arange(self.n_batch)[:, None]
        capability = self.capability[:, :, None]
        weight_i = capability * self.salience_total[:, :, None]
        weight_j = capability * self.salience_total[batch, receiver][:, :, None]
        point_i = (weight_i * own_i + weight_j * other_i) / (weight_i + weight_j)
        point_j = (weight_i * own_j + weight_j * other_j) / (weight_i + weight_j)
        return _Bargains(actors, receiver, target >= 0, point_i, point_j)

    # -- choosing new positions: SMPState::updateBestBrgnPositions -----------------------------

    def option_utilities(self, state: _State, offers: _Bargains) -> Array:
        """U[a, o]: actor a's utility for the state after option o (o = 0 the status quo).

        ``brgnUtil``: the mean over all actors' positions of a's utility for them, with the
        initiator's and receiver's positions replaced by the bargain's points, valued with a's
        own r_a (``posUtil``), the others with A_a(a, t); summed exactly in KTAB's order.
        """
        actors = np.arange(self.n_actors)
        n = self.n_actors
        points = np.concatenate([offers.point_i, offers.point_j], axis=1)
        valued = risk_utility(salience_distance(state.position, points, self.salience), state.risk[:, :, None])
        count = offers.initiator.shape[1]
        own = risk_utility(state.distance, state.perceived[:, actors, actors][:, :, None])
        start = np.zeros((self.n_batch, n, 1 + count))
        start[:, :, 1:] = (0.0 + valued[:, :, :count]) + valued[:, :, count:]
        keep = np.ones((n, self.n_batch, 1 + count))
        keep[:, :, 1:] = (offers.initiator[None] != actors[:, None, None]) & (offers.receiver[None] != actors[:, None, None])
        by_other = own.transpose(2, 0, 1)[:, :, :, None]

        def others(block: Array) -> tuple[Array]:
            return (by_other[block] * keep[block][:, :, None, :],)

        (total,) = _ordered_totals((start,), others, n)
        return total / n

    def choose(self, state: _State, offers: _Bargains) -> tuple[Array, Array]:
        """New positions: every actor adopts the option its election favours (all at once).

        Actor k's options are, in the order KTAB lists them, the bargains of initiators before
        k that target k, its status quo, its own bargain, then later initiators' bargains that
        target k. Their probabilities come from ``Model::scalarPCE`` with capabilities as
        weights; Deterministic takes the first most likely, Stochastic draws one (KTAB's
        ``probSel``: the first option whose running total reaches a uniform draw).
        """
        model = self.model
        offers = offers.on_table()
        if offers.initiator.shape[1] == 0:
            return state.position, np.zeros((self.n_batch, self.n_actors), dtype=bool)
        utility = self.option_utilities(state, offers)
        support, opposition = coalitions(model.voting_rule, self.capability, utility)
        slots, valid = self._option_lists(offers)
        probability = np.zeros(slots.shape)
        probability[..., 0] = 1.0  # a list of one option: the status quo, for sure
        length = valid.sum(axis=-1)
        # elections of similar size together (widths 2, 4, 8, ...), so that one long list does
        # not pad every other list to its length
        width_class = np.ceil(np.log2(np.maximum(length, 1))).astype(int)
        for power in np.unique(width_class[length > 1]):
            batch, actor = np.nonzero((width_class == power) & (length > 1))
            width = min(2**power, slots.shape[-1])
            chosen = slots[batch, actor, :width]
            first, second = chosen[:, :, None], chosen[:, None, :]
            later = np.tri(width, width, -1, dtype=bool)
            group = batch[:, None, None]
            strength = np.where(later, support[group, first, second], opposition[group, second, first])
            victory = victory_matrix(model.victory_probability, strength)
            listed = valid[batch, actor, :width]
            probability[batch, actor, :width] = condorcet_probability(model.pce, victory, strength, listed)
        if model.transitions == "Deterministic":
            pick = np.argmax(np.where(valid, np.abs(probability), -1.0), axis=-1)
        else:
            draw = self.rng.random(probability.shape[:-1])
            reached = (draw[..., None] <= np.add.accumulate(probability, axis=-1)) & valid
            pick = np.where(reached.any(axis=-1), np.argmax(reached, axis=-1), length - 1)
        option = np.take_along_axis(slots, pick[..., None], axis=-1)[..., 0]
        return self._apply(state.position, offers, option)

    def _option_lists(self, offers: _Bargains) -> tuple[Array, BoolArray]:
        """Each actor's options as indices into [status quo, offer 0, offer 1, ...] (padded).

        KTAB appends, for initiator i = 0, 1, ...: the status quo SQ_i to i's list, then i's
        bargains to both i's and its target's lists. Sorting every candidate by that key gives
        each list in KTAB's order.
        """
        n = self.n_actors
        per = int(offers.variant.max(initial=0)) + 1
        actors = np.arange(n)
        count = offers.initiator.shape[1]
        member = offers.valid[:, None, :] & (
            (offers.initiator[:, None, :] == actors[None, :, None]) | (offers.receiver[:, None, :] == actors[None, :, None])
        )
        status_quo_key = actors * (per + 1)
        offer_key = offers.initiator * (per + 1) + 1 + offers.variant
        keys = np.concatenate([np.broadcast_to(status_quo_key[None, :, None], (self.n_batch, n, 1)),
                               np.broadcast_to(offer_key[:, None, :], (self.n_batch, n, count))], axis=-1)
        listed = np.concatenate([np.ones((self.n_batch, n, 1), dtype=bool), member], axis=-1)
        order = np.argsort(np.where(listed, keys, np.iinfo(np.int64).max), axis=-1, kind="stable")
        width = int(listed.sum(axis=-1).max())
        slots = order[..., :width]
        valid = np.take_along_axis(listed, slots, axis=-1)
        return np.where(valid, slots, 0), valid

    def _apply(self, position: Array, offers: _Bargains, option: Array) -> tuple[Array, Array]:
        """Move each actor to its side of the chosen bargain; return (positions, moved)."""
        batch = np.arange(self.n_batch)[:, None]
        actors = np.arange(self.n_actors)[None, :]
        offer = np.maximum(option - 1, 0)
        initiator = offers.initiator[batch, offer]
        point = np.where((initiator == actors)[..., None], offers.point_i[batch, offer], offers.point_j[batch, offer])
        new = np.where((option > 0)[..., None], point, position)
        moved = np.any(new != position, axis=-1)
        return new, moved

    # -- the run: Model::run with smpStopFn ----------------------------------------------------

    def simulate(self, start: Array) -> _History:
        """Turns until KTAB's stopping rule holds for every member of the batch."""
        model = self.model
        history = _History.start(self, start)
        state = self.state(start)
        history.record_state(0, self, state)
        active = np.ones(self.n_batch, dtype=bool)
        first_move = np.zeros(self.n_batch)
        turns = np.zeros(self.n_batch, dtype=np.int64)
        turn = 0
        while active.any():
            turn += 1
            target, p_target, gain = self.best_challenges(state)
            offers = self.bargains(state, target, p_target)
            position, moved = self.choose(state, offers)
            position = np.where(active[:, None, None], position, state.position)
            moved &= active[:, None]
            movement = _ordered_sum(_norm(position - state.position), axis=-1)
            if turn == 1:
                first_move = movement + model.min_significant_delta
            quiet = movement / first_move < model.stop_ratio
            state = self.state(position)
            history.record_turn(turn, self, state, target, p_target, gain, moved, active)
            turns = np.where(active, turn, turns)
            active &= ~((turn >= model.max_turns) | ((turn >= model.min_turns) & quiet))
        history.turns = turns
        return history.finish(turn)


def _batch_index(size: int, *indices: Any) -> Array:
    """The batch index that broadcasts with ``indices`` (arrays whose first axis is the batch)."""
    ndim = max(np.ndim(index) for index in indices)
    return np.arange(size).reshape((-1,) + (1,) * (ndim - 1))


def _round4(value: Array) -> Array:
    """``interpBrgnSnPm``'s round4: (double)(int)(0.5 + x·10000) / 10000."""
    return np.trunc(0.5 + value * 10000.0) / 10000.0


def _third_party_values(commit: str, p_i: Array, p_j: Array, u_ti: Array, u_tj: Array, u_tt: Array) -> tuple[Array, Array]:
    """``Actor::thirdPartyVoteSU``: third party t's value of joining i's side versus j's.

    Sums of three position utilities (t's view of i, j and its own position after the little
    contest): SemiCommit values a win of its side as keeping its own position once; NoCommit in
    every outcome; FullCommit never.
    """
    twice_j = u_tj + u_tj
    if commit == "FullCommit":
        win_with_i = lose_against_i = None
    else:
        win_with_i = (u_ti + u_ti) + u_tt
        lose_against_i = twice_j + u_tt
    if commit == "NoCommit":
        lose_with_i, win_against_i = lose_against_i, win_with_i
    else:
        lose_with_i = twice_j + u_tj
        win_against_i = (u_ti + u_ti) + u_ti
    if commit == "FullCommit":
        win_with_i, lose_against_i = win_against_i, lose_with_i
    side_i = p_i * win_with_i
    side_i += p_j * lose_with_i
    side_j = p_i * win_against_i
    side_j += p_j * lose_against_i
    return side_i, side_j


@dataclass
class _Bargains:
    """The offers on the table in one turn, indexed by offer (``(b, count)``, points ``(b, count, D)``)."""

    initiator: Array
    receiver: Array
    valid: BoolArray
    point_i: Array
    point_j: Array
    variant: Array | None = None
    """``(count,)``: 0 for the initiator's view, 1 for the receiver's (InitRcvrInterp)."""

    def __post_init__(self) -> None:
        if self.variant is None:
            self.variant = np.zeros(self.initiator.shape[1], dtype=np.int64)

    def on_table(self) -> _Bargains:
        """Only the offers that some member of the batch makes."""
        made = np.flatnonzero(self.valid.any(axis=0))
        return _Bargains(
            self.initiator[:, made],
            self.receiver[:, made],
            self.valid[:, made],
            self.point_i[:, made],
            self.point_j[:, made],
            self.variant[made],
        )


@dataclass
class _History:
    positions: Array
    win_probability: Array
    risk_attitude: Array
    expected_outcome: Array
    challenge_target: Array
    challenge_probability: Array
    challenge_gain: Array
    moved: Array
    turns: Array

    @classmethod
    def start(cls, run: _Run, start: Array) -> _History:
        b, n, d = start.shape
        capacity = run.model.max_turns + 1
        return cls(
            positions=np.empty((b, capacity, n, d)),
            win_probability=np.empty((b, capacity, n)),
            risk_attitude=np.empty((b, capacity, n)),
            expected_outcome=np.empty((b, d)),
            challenge_target=np.full((b, capacity - 1, n), -1, dtype=np.int64),
            challenge_probability=np.full((b, capacity - 1, n), np.nan),
            challenge_gain=np.full((b, capacity - 1, n), np.nan),
            moved=np.zeros((b, capacity - 1, n), dtype=bool),
            turns=np.zeros(b, dtype=np.int64),
        )

    def record_state(self, turn: int, run: _Run, state: _State, active: BoolArray | None = None) -> None:
        """Positions, risk attitudes and win probabilities of state ``turn`` (frozen members repeat)."""
        win, expected = run.win_probability(state)
        if active is None:
            active = np.ones(state.position.shape[0], dtype=bool)
        keep = turn - 1 if turn > 0 else 0
        self.positions[:, turn] = np.where(active[:, None, None], state.position, self.positions[:, keep])
        self.win_probability[:, turn] = np.where(active[:, None], win, self.win_probability[:, keep])
        self.risk_attitude[:, turn] = np.where(active[:, None], state.risk, self.risk_attitude[:, keep])
        self.expected_outcome = np.where(active[:, None], expected, self.expected_outcome)

    def record_turn(
        self, turn: int, run: _Run, state: _State, target: Array, p_target: Array, gain: Array, moved: Array, active: BoolArray
    ) -> None:
        self.record_state(turn, run, state, active)
        challenged = (target >= 0) & active[:, None]
        self.challenge_target[:, turn - 1] = np.where(challenged, target, -1)
        self.challenge_probability[:, turn - 1] = np.where(challenged, p_target, np.nan)
        self.challenge_gain[:, turn - 1] = np.where(challenged, gain, np.nan)
        self.moved[:, turn - 1] = moved

    def finish(self, last_turn: int) -> _History:
        self.positions = self.positions[:, : last_turn + 1]
        self.win_probability = self.win_probability[:, : last_turn + 1]
        self.risk_attitude = self.risk_attitude[:, : last_turn + 1]
        self.challenge_target = self.challenge_target[:, :last_turn]
        self.challenge_probability = self.challenge_probability[:, :last_turn]
        self.challenge_gain = self.challenge_gain[:, :last_turn]
        self.moved = self.moved[:, :last_turn]
        return self
