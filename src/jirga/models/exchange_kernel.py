"""The greedy realisation of one round of the exchange model, compiled with numba.

decide realises the candidate of highest gain, recomputes the candidates that share an actor's
supply or demand issue with it, and repeats until no candidate is left: a chain of small steps,
each depending on the one before, which NumPy cannot batch. So the per-candidate rules are
written here once, as scalar code: numba compiles them for float64 arrays (``realise``), and
``realise_python`` is the very same code as plain Python, which runs on object arrays of
Decimals: decide's arithmetic in decide's order of operations, which reproduces it bit for bit.

The arrays are the packed candidate table of ``jirga.models.exchange._Candidates``: ``fixed``
and ``state`` hold one number per field, side (0 is decide's actor I, 1 is J) and candidate,
``keys`` the integers that identify each side; the module constants below name their rows.
``updates`` maps (side, candidate, actor) to another actor's voting position that the candidate
takes as given (decide's ``updates``), as ``(side * n_candidates + row) * n_actors + actor``.
"""

from __future__ import annotations

import heapq
import types
from decimal import Decimal
from typing import Any, Callable, MutableMapping

import numba
import numpy as np

from jirga.models.base import Array, BoolArray, IntArray
from jirga.models.exchange import SCALE

Number = Any
"""A float (compiled) or a Decimal (plain Python)."""
Table = tuple[Array, Array, Array, BoolArray, IntArray, MutableMapping[int, Any], Array, Array, Array]
"""A round's candidates and numbers: fixed, state, gain, valid, keys, updates, and the round-start
positions x, saliences and capabilities (actor x issue)."""
Arrays = tuple[Array, Array, Array, BoolArray, IntArray, Array, Array, Array]
Rules = tuple[bool, bool, float, Number]
"""equal_gain (else a random rate: the gain is the smaller one), decimal, slack, and decide's p
of its randomized equal gain (0: none)."""
Heap = list[tuple[Number, int, int, int]]
"""The list as a heap of (-gain key, stamp, entry, version)."""
Realised = tuple[list[int], list[Number], list[int], list[bool], list[bool]]

# Rows of fixed, state and keys.
TARGET, START, RATIO, SUPPLY_SALIENCE, DEMAND_SALIENCE, SUPPLY_CAPABILITY, SUPPLY_TOTAL, SUPPLY_WEIGHT, SUPPLY_BASE = range(9)
SUPPLY_AT, PREFIX_SUM, PREFIX_MIN, PREFIX_MAX, MOVE, Y, EU, NBS0, NBS1, UPDATE_SUM = range(10)
SUPPLY_KEY, DEMAND_KEY, ACTOR, SUPPLY, DEMAND = range(5)

TINY = 1e-10
"""decide: a move of at most this size, or a gain below it, makes an exchange invalid."""
TIE_DECIMALS = 12
"""Float64 gains equal to 12 decimals are tied; decide ties Decimal gains closer than 1e-20."""
DECIMAL_TIE = 1e-20


@numba.njit(cache=True)
def numerator(row: int, side: int, at: Number, updates_last: bool, table: Table, decimal: bool) -> Number:
    """Σ_k x_k s_k c_k of the side's supply issue, with the candidate's updates and the side's
    actor at ``at`` (decide's adjusted_nbs). ``updates_last`` applies the actor's own update
    after placing it, as decide's adjusted_nbs_by_position does. Float64 adds the changes to the
    round's sum; Decimal arithmetic sums every term in decide's order."""
    fixed, state, _, _, keys, updates, x, salience, capability = table
    n_actors = x.shape[0]
    first_key = (side * keys.shape[2] + row) * n_actors
    actor = keys[ACTOR, side, row]
    if updates_last and first_key + actor in updates:
        at = updates[first_key + actor]
    if not decimal:
        shift = (at - fixed[START, side, row]) * fixed[SUPPLY_WEIGHT, side, row]
        return fixed[SUPPLY_BASE, side, row] + state[UPDATE_SUM, side, row] + shift
    issue = keys[SUPPLY, side, row]
    total = 0 * at
    for other in range(n_actors):
        position = at if other == actor else updates.get(first_key + other, x[other, issue])
        total = total + position * salience[other, issue] * capability[other, issue]
    return total


@numba.njit(cache=True)
def mean(row: int, side: int, at: Number, table: Table, decimal: bool) -> Number:
    """The side's supply-issue weighted mean with its actor at ``at``: Σ x s c / W."""
    fixed, _, _, _, _, _, _, _, _ = table
    return numerator(row, side, at, False, table, decimal) / fixed[SUPPLY_TOTAL, side, row]


@numba.njit(cache=True)
def toward(size: Number, direction: Number) -> Number:
    """``size`` with the sign of ``direction`` (+ where it is 0)."""
    return -size if direction < 0 else size


@numba.njit(cache=True)
def move_valid(row: int, fixed: Array, state: Array, slack: float) -> bool:
    """decide's is_move_valid, both sides, on the histories that end in the current moves:
    1e-10 < |m| <= 100, 0 <= x + m <= 100, history sum <= 100, all entries of one sign."""
    for side in range(2):
        move = state[MOVE, side, row]
        size = abs(move)
        end = state[SUPPLY_AT, side, row] + move
        one_sign = max(state[PREFIX_MAX, side, row], move) < 0 or min(state[PREFIX_MIN, side, row], move) > 0
        history = state[PREFIX_SUM, side, row] + move
        if not (one_sign and TINY < size <= SCALE + slack and -slack <= end <= SCALE + slack and history <= SCALE + slack):
            return False
    return True


@numba.njit(cache=True)
def beyond(row: int, side: int, valid: BoolArray, fixed: Array, state: Array, slack: float) -> bool:
    """Whether the partner's position lies strictly between the side's supply-issue means
    before and after its move (nbs0, nbs1) on a valid row: the move pushes the mean past it."""
    before = fixed[TARGET, side, row] - state[NBS0, side, row]
    after = fixed[TARGET, side, row] - state[NBS1, side, row]
    return valid[row] and ((before > slack and after < -slack) or (before < -slack and after > slack))


@numba.njit(cache=True)
def evaluate(row: int, table: Table, rules: Rules, rng: np.random.Generator) -> None:
    """decide's EqualGainExchange.calculate of one candidate, in place.

    J moves to I's position on p, which shifts O_p by r_p = |x_ip - x_jp| s_jp c_jp / W_p;
    I's move on q follows from the ratio: |m_i| = r_q W_q / (c_iq s_iq). If I would pass J's
    position on q, I moves there instead and J's move follows. The gains are
    eu = |r_sup s_sup - r_dem s_dem| (salience-weighted shifts of the two means). ``full`` is
    the shift a side's full move causes, ``answer`` the partner's shift that the ratio asks.
    With decide's p > 0, the result is then randomized (:func:`randomize`).
    """
    fixed, state, gain, valid, _, _, _, _, _ = table
    equal_gain, decimal, slack, randomized = rules
    x_i, x_j = state[SUPPLY_AT, 0, row], state[SUPPLY_AT, 1, row]
    target_i, target_j = fixed[TARGET, 0, row], fixed[TARGET, 1, row]
    salience_i, salience_j = fixed[SUPPLY_SALIENCE, 0, row], fixed[SUPPLY_SALIENCE, 1, row]
    capability_i, capability_j = fixed[SUPPLY_CAPABILITY, 0, row], fixed[SUPPLY_CAPABILITY, 1, row]
    total_i, total_j = fixed[SUPPLY_TOTAL, 0, row], fixed[SUPPLY_TOTAL, 1, row]
    gap_i, gap_j = abs(target_i - x_i), abs(target_j - x_j)
    full_i = gap_i * salience_i * capability_i / total_i
    full_j = gap_j * salience_j * capability_j / total_j
    answer_i = fixed[RATIO, 1, row] * full_j
    answer_j = fixed[RATIO, 0, row] * full_i
    answer_move_i = answer_i * total_i / (capability_i * salience_i)
    answer_move_j = answer_j * total_j / (capability_j * salience_j)
    if answer_move_i > gap_i:
        shift_i, move_i, shift_j, move_j = full_i, gap_i, answer_j, answer_move_j
    else:
        shift_i, move_i, shift_j, move_j = answer_i, answer_move_i, full_j, gap_j
    state[MOVE, 0, row] = toward(move_i, target_i - x_i)
    state[MOVE, 1, row] = toward(move_j, target_j - x_j)
    state[Y, 0, row] = x_i + state[MOVE, 0, row]
    state[Y, 1, row] = x_j + state[MOVE, 1, row]
    state[EU, 0, row] = abs(shift_i * salience_i - shift_j * fixed[DEMAND_SALIENCE, 0, row])
    state[EU, 1, row] = abs(shift_j * salience_j - shift_i * fixed[DEMAND_SALIENCE, 1, row])
    gain[row] = state[EU, 0, row] if equal_gain else min(state[EU, 0, row], state[EU, 1, row])
    valid[row] = move_valid(row, fixed, state, slack) and gain[row] >= TINY
    if not valid[row]:
        # decide's check_nbs sets the means of valid candidates only; an invalid one keeps the
        # means it had (the record of a realised exchange that its tie twin invalidated).
        return
    for side in range(2):
        state[NBS0, side, row] = mean(row, side, state[SUPPLY_AT, side, row], table, decimal)
        state[NBS1, side, row] = mean(row, side, state[Y, side, row], table, decimal)
    beyond_i = beyond(row, 0, valid, fixed, state, slack)
    beyond_j = beyond(row, 1, valid, fixed, state, slack)
    if beyond_i or beyond_j:
        if beyond_i:
            cap_at_demander(row, 0, table, rules)
            # I's cap moved J too: J's mean after its move changes with it.
            state[NBS1, 1, row] = mean(row, 1, state[Y, 1, row], table, decimal)
            beyond_j = beyond(row, 1, valid, fixed, state, slack)
        if beyond_j:
            cap_at_demander(row, 1, table, rules)
        valid[row] = move_valid(row, fixed, state, slack)
    if randomized > 0:
        randomize(row, table, rules, rng)


@numba.njit(cache=True)
def exact(draw: float) -> Number:
    """A random draw as the arithmetic's number: the float itself here; ``realise_python``
    makes it ``Decimal(draw)``, as decide does."""
    return draw


@numba.njit(cache=True)
def randomize(row: int, table: Table, rules: Rules, rng: np.random.Generator) -> None:
    """decide's randomized equal gain (its p > 0), after a candidate's equal-gain result.

    Three draws u, v, z ~ U(0, 1). Side a (I if u < 0.5, else J) wins with v < 0.5: its gain
    becomes eu + p z (eu_max_a - eu), else eu (1 - p z). a moves all the way to its partner's
    position, the partner's exchange ratio follows from a's new gain, and if the partner would
    pass a's position, the partner moves fully instead and a's ratio follows. The gain the list
    is sorted by stays the equal gain. decide's two caps at the demander are copied as they
    behave: one compares a mean it has just set to itself and never caps; the other keeps a's
    uncapped move, whose sign is then flipped a second time (decide's EqualGainExchangeActor.
    randomized_gain).
    """
    fixed, state, gain, valid, _, _, _, _, _ = table
    _, decimal, slack, p = rules
    u, v = rng.random(), rng.random()
    z = exact(rng.random()) if decimal else rng.random()
    eu_max_i, eu_max_j = maximum_utility(row, table, decimal, slack)
    a = 0 if u < 0.5 else 1
    b = 1 - a
    eu = gain[row]
    eu_a = eu + p * z * ((eu_max_i if a == 0 else eu_max_j) - eu) if v < 0.5 else eu - p * z * eu
    x_a, x_b = state[SUPPLY_AT, a, row], state[SUPPLY_AT, b, row]
    target_a, target_b = fixed[TARGET, a, row], fixed[TARGET, b, row]
    salience_a, salience_b = fixed[SUPPLY_SALIENCE, a, row], fixed[SUPPLY_SALIENCE, b, row]
    demand_a, demand_b = fixed[DEMAND_SALIENCE, a, row], fixed[DEMAND_SALIENCE, b, row]
    capability_a, capability_b = fixed[SUPPLY_CAPABILITY, a, row], fixed[SUPPLY_CAPABILITY, b, row]
    total_a, total_b = fixed[SUPPLY_TOTAL, a, row], fixed[SUPPLY_TOTAL, b, row]
    move_a = abs(x_a - target_a)
    ratio_a = move_a * salience_a * capability_a / total_a
    ratio_b = (eu_a + ratio_a * salience_a) / demand_a
    move_b = ratio_b * total_b / (capability_b * salience_b)
    eu_b = abs(ratio_b * salience_b - ratio_a * demand_b)
    gap_b = abs(x_b - target_b)
    if abs(move_b) > gap_b:
        ratio_b = gap_b * salience_b * capability_b / total_b
        ratio_a = abs((eu_a - ratio_b * demand_a) / salience_a)
        move_b = gap_b
        move_a = ratio_a * total_a / (capability_a * salience_a)
        if abs(move_a) < abs(x_a - target_a):
            eu_b = abs(ratio_b * salience_b - ratio_a * demand_b)
    else:
        signed = -move_a if x_a > target_a else move_a
        after = mean(row, a, x_a + signed, table, decimal)
        before = state[NBS0, a, row]
        if not ((target_a >= before and target_a >= after) or (target_a <= before and target_a <= after)):
            at_target = abs((target_a * total_a - numerator(row, a, x_a, True, table, decimal)) / (salience_a * capability_a))
            ratio_a = at_target * salience_a * capability_a / total_a
            ratio_b = (eu_a + ratio_a * salience_a) / demand_a
            move_b = ratio_b * total_b / (capability_b * salience_b)
            eu_b = abs(ratio_b * salience_b - ratio_a * demand_b)
            move_a = signed
    state[MOVE, a, row] = -move_a if x_a > target_a else move_a
    state[MOVE, b, row] = -move_b if x_b > target_b else move_b
    state[Y, a, row] = x_a + state[MOVE, a, row]
    state[Y, b, row] = x_b + state[MOVE, b, row]
    state[EU, a, row], state[EU, b, row] = eu_a, eu_b
    valid[row] = move_valid(row, fixed, state, slack)
    for side in range(2):
        state[NBS0, side, row] = mean(row, side, state[SUPPLY_AT, side, row], table, decimal)
        state[NBS1, side, row] = mean(row, side, state[Y, side, row], table, decimal)


@numba.njit(cache=True)
def maximum_utility(row: int, table: Table, decimal: bool, slack: float) -> tuple[Number, Number]:
    """decide's calculate_maximum_utility: the gain each side could reach at most, (I, J).

    Each side's supply-issue mean shift if it moved to its partner (or stayed at its voting
    position when that equals its own demand-issue position, decide's "pareto optimal" test,
    which compares positions on two different issues) gives gains and losses; the side whose
    partner gains less on its demand issue is the actor, and the two maxima follow from the
    actor's share s = s_sup / (s_sup + partner's s_dem).
    """
    fixed, state, _, _, _, _, _, _, _ = table
    salience_i, salience_j = fixed[SUPPLY_SALIENCE, 0, row], fixed[SUPPLY_SALIENCE, 1, row]
    demand_i, demand_j = fixed[DEMAND_SALIENCE, 0, row], fixed[DEMAND_SALIENCE, 1, row]
    y_i, y_j = state[Y, 0, row], state[Y, 1, row]
    i_pareto = abs(fixed[TARGET, 1, row] - y_i) <= slack
    j_pareto = abs(fixed[TARGET, 0, row] - y_j) <= slack
    delta_i = abs(state[NBS0, 0, row] - mean(row, 0, y_i if i_pareto else fixed[TARGET, 0, row], table, decimal))
    delta_j = abs(state[NBS0, 1, row] - mean(row, 1, y_j if j_pareto else fixed[TARGET, 1, row], table, decimal))
    loss_i, gain_j = delta_j * salience_j, delta_j * demand_i
    loss_j, gain_i = delta_i * salience_i, delta_i * demand_j
    overwrite, overwritten = 0 * delta_i, False
    if i_pareto and gain_i - loss_i > slack:
        overwrite, overwritten = gain_j - (loss_i / demand_j) * salience_i, True
    if j_pareto and gain_j - loss_j > slack:
        overwrite, overwritten = gain_i - (loss_j / demand_i) * salience_j, True
    if gain_j > gain_i + slack:
        actor, gain, loss, own, other = 1, gain_i, loss_j, salience_j, demand_i
    else:
        actor, gain, loss, own, other = 0, gain_j, loss_i, salience_i, demand_j
    share = own / (own + other)
    # decide keeps the overwrite only when it is truthy: set and not zero.
    opposite_max = overwrite if overwritten and abs(overwrite) > slack else share * other * (gain / (share * own)) - loss
    actor_max = gain - (share * own * (loss / (share * other)))
    return (actor_max, opposite_max) if actor == 0 else (opposite_max, actor_max)


@numba.njit(cache=True)
def cap_at_demander(row: int, side: int, table: Table, rules: Rules) -> None:
    """decide's check_nbs where the side's move pushes its supply-issue mean past the partner:
    stop the supplier where the mean reaches it, |m| = |W (x_partner - nbs0) / (c s)|, and let
    the partner's move follow from the ratio."""
    fixed, state, gain, _, _, _, _, _, _ = table
    equal_gain, decimal, _, _ = rules
    other = 1 - side
    total, total_other = fixed[SUPPLY_TOTAL, side, row], fixed[SUPPLY_TOTAL, other, row]
    salience_own, salience_other = fixed[SUPPLY_SALIENCE, side, row], fixed[SUPPLY_SALIENCE, other, row]
    capability_own, capability_other = fixed[SUPPLY_CAPABILITY, side, row], fixed[SUPPLY_CAPABILITY, other, row]
    x_own, x_partner, target = state[SUPPLY_AT, side, row], state[SUPPLY_AT, other, row], fixed[TARGET, side, row]
    start = numerator(row, side, x_own, True, table, decimal)
    move_own = abs((target * total - start) / (salience_own * capability_own))
    ratio_own = move_own * salience_own * capability_own / total
    ratio_partner = fixed[RATIO, side, row] * ratio_own
    move_partner = abs(ratio_partner * total_other / (capability_other * salience_other))
    move_partner = -move_partner if x_partner > fixed[TARGET, other, row] else move_partner
    move_own = -move_own if x_own > target else move_own
    state[MOVE, other, row], state[MOVE, side, row] = move_partner, move_own
    state[Y, other, row], state[Y, side, row] = x_partner + move_partner, x_own + move_own
    eu_partner = abs(ratio_partner * salience_other - ratio_own * fixed[DEMAND_SALIENCE, other, row])
    eu_own = abs(ratio_own * salience_own - ratio_partner * fixed[DEMAND_SALIENCE, side, row])
    gain[row] = eu_partner if equal_gain else min(eu_partner, eu_own)
    state[EU, other, row], state[EU, side, row] = eu_partner, eu_own
    state[NBS1, side, row] = numerator(row, side, state[Y, side, row], False, table, decimal) / total


@numba.njit(cache=True)
def set_update(side: int, row: int, giver: int, y: Number, start: Number, table: Table, decimal: bool) -> None:
    """decide's update_updates: the giver's voting position y on this side's supply issue.
    A first entry is y; a later one is min(old, y) if start <= old, else max(old, y)."""
    _, state, _, _, keys, updates, x, salience, capability = table
    key = (side * keys.shape[2] + row) * x.shape[0] + giver
    issue = keys[SUPPLY, side, row]
    if key in updates:
        before = updates[key]
        new = min(before, y) if start <= before else max(before, y)
    else:
        before = x[giver, issue]
        new = y
    if not decimal and keys[ACTOR, side, row] != giver:
        state[UPDATE_SUM, side, row] += (new - before) * (salience[giver, issue] * capability[giver, issue])
    updates[key] = new


@numba.njit(cache=True)
def recalculate(row: int, chosen: int, y_i: Number, y_j: Number, table: Table, rules: Rules, rng: np.random.Generator) -> None:
    """decide's AbstractExchange.recalculate of a candidate that shares an actor and a supply or
    demand issue with ``chosen``, just realised with voting positions ``y_i``, ``y_j``."""
    fixed, state, _, _, keys, _, _, _, _ = table
    _, decimal, _, _ = rules
    for side in range(2):
        # A side that demands what a realised side demanded: the realised partner's voting
        # position becomes an update for this candidate's supplier of that issue.
        demand_key = keys[DEMAND_KEY, side, row]
        if demand_key == keys[DEMAND_KEY, 1, chosen]:
            set_update(1 - side, row, keys[ACTOR, 0, chosen], y_i, fixed[START, 0, chosen], table, decimal)
        elif demand_key == keys[DEMAND_KEY, 0, chosen]:
            set_update(1 - side, row, keys[ACTOR, 1, chosen], y_j, fixed[START, 1, chosen], table, decimal)
    for side in range(2):
        # A side that already supplied this issue now starts from its voting position there;
        # decide appends the realised move to its history and pops it again: its own last move
        # stays in the history and the recalculated one comes after it.
        supply_key = keys[SUPPLY_KEY, side, row]
        if supply_key == keys[SUPPLY_KEY, 0, chosen] or supply_key == keys[SUPPLY_KEY, 1, chosen]:
            state[SUPPLY_AT, side, row] = y_i if supply_key == keys[SUPPLY_KEY, 0, chosen] else y_j
            move = state[MOVE, side, row]
            state[PREFIX_SUM, side, row] = state[PREFIX_SUM, side, row] + move
            state[PREFIX_MIN, side, row] = min(state[PREFIX_MIN, side, row], move)
            state[PREFIX_MAX, side, row] = max(state[PREFIX_MAX, side, row], move)
    evaluate(row, table, rules, rng)


@numba.njit(cache=True)
def tie_key(gain: Number, decimal: bool) -> Number:
    """The gain as the list is sorted by: float64 gains rounded to 12 decimals, Decimals as they are."""
    return gain if decimal else round(gain, TIE_DECIMALS)


@numba.njit(cache=True)
def live_top(heap: Heap, alive: list[bool], version: list[int]) -> int:
    """The queue entry at the top of the heap (-1 if none), after dropping stale heap items."""
    while heap:
        entry, stamp = heap[0][2], heap[0][3]
        if alive[entry] and version[entry] == stamp:
            return entry
        heapq.heappop(heap)
    return -1


@numba.njit(cache=True)
def push(heap: Heap, entry: int, entry_row: list[int], stamp: list[int], version: list[int], gain: Array, decimal: bool) -> None:
    """(Re)list ``entry`` with its row's gain and its stamp; earlier heap items of it go stale."""
    version[entry] += 1
    heapq.heappush(heap, (-tie_key(gain[entry_row[entry]], decimal), stamp[entry], entry, version[entry]))


@numba.njit(cache=True)
def touched_entries(
    chosen: int, table: Table, decimal: bool, index: tuple[IntArray, IntArray], seen: IntArray, mark: int,
    entry_row: list[int], stamp: list[int], alive: list[bool], first_entry: IntArray, next_entry: list[int],
) -> list[tuple[Number, int, int]]:
    """The live list entries whose candidate shares an actor and a supply or demand issue with
    ``chosen``, in list order, as (-gain key, stamp, entry). ``index`` holds every side's
    supply and demand keys sorted, with their rows; ``seen`` marks rows found with ``mark``."""
    _, _, gain, _, keys, _, _, _, _ = table
    sorted_keys, key_rows = index
    walk = [(-tie_key(gain[0], decimal), np.int64(0), np.int64(0)) for _ in range(0)]
    for side in range(2):
        for kind in (SUPPLY_KEY, DEMAND_KEY):
            key = keys[kind, side, chosen]
            for position in range(np.searchsorted(sorted_keys, key), np.searchsorted(sorted_keys, key, side="right")):
                row = key_rows[position]
                if seen[row] == mark:
                    continue
                seen[row] = mark
                entry = first_entry[row]
                while entry >= 0:
                    if alive[entry]:
                        walk.append((-tie_key(gain[row], decimal), stamp[entry], entry))
                    entry = next_entry[entry]
    walk.sort()
    return walk


@numba.njit(cache=True)
def realise(arrays: Arrays, rules: Rules, recorded: IntArray, rng: np.random.Generator) -> Realised:
    """decide's ModelLoop of one round: evaluate every candidate, then realise the highest gain
    and recalculate what it touches until no candidate is left.

    decide keeps a list that it stable-sorts by gain before every pick. Here the list is a heap
    of entries (a candidate may be listed twice, decide's tie quirk) ordered by (gain, stamp):
    the stamp keeps the list's order among equal gains. A recalculated entry whose gain fell
    was ahead of its new equals in the list and goes first among them; one whose gain rose goes
    last; an entry appended to the list goes last. When the runner-up ties (equal to 12
    decimals in float64, within 1e-20 in Decimal), the next entry of ``recorded`` decides (1:
    realise the runner-up), then ``rng``: the chosen one goes back to the end of the list, or
    decide's quirk appends a second entry for the runner-up. After a realisation the entries
    it touches are recalculated in list order, as decide walks its list, so a second entry of
    the realised candidate recalculates it against itself; entries that turn invalid leave.

    ``arrays`` is a :data:`Table` without ``updates``, which start empty every round. Returns the
    realised rows; per realisation its gain and (nbs0, nbs1) of I and J; and per tie the number
    of the exchange being chosen, whether the gains were bitwise equal and the decision.
    """
    fixed, state, gain, valid, keys, x, salience, capability = arrays
    # An empty dict, whose key and value types numba infers from the entry it starts with.
    updates = {np.int64(-1): x[0, 0]}
    updates.pop(np.int64(-1))
    table = (fixed, state, gain, valid, keys, updates, x, salience, capability)
    _, decimal, _, _ = rules
    n = gain.shape[0]
    for row in range(n):
        evaluate(row, table, rules, rng)
    side_keys = keys[SUPPLY_KEY : DEMAND_KEY + 1].ravel()
    by_key = np.argsort(side_keys, kind="mergesort")
    index = (side_keys[by_key], by_key % n)
    seen = np.full(n, -1)
    # The list: entries point to rows; ``first_entry``/``next_entry`` chain a row's entries.
    entry_row = [np.int64(row) for row in range(n)]
    stamp = [np.int64(row) for row in range(n)]
    version = [np.int64(0) for _ in range(n)]
    alive = [True for _ in range(n)]
    next_entry = [np.int64(-1) for _ in range(n)]
    first_entry = np.arange(n)
    heap = [(-tie_key(gain[row], decimal), np.int64(row), np.int64(row), np.int64(0)) for row in range(n)]
    heapq.heapify(heap)
    early, late = np.int64(-1), np.int64(n)
    invalid_dropped = False
    realised = [np.int64(0) for _ in range(0)]
    records = [gain[0] for _ in range(0)]
    tie_orders = [np.int64(0) for _ in range(0)]
    tie_exact = [True for _ in range(0)]
    decisions = [True for _ in range(0)]
    while True:
        entry = live_top(heap, alive, version)
        if entry < 0:
            break
        heapq.heappop(heap)
        alive[entry] = False
        chosen = entry_row[entry]
        appended = -1
        runner_entry = live_top(heap, alive, version)
        if runner_entry >= 0:
            runner_up = entry_row[runner_entry]
            first, second = tie_key(gain[chosen], decimal), tie_key(gain[runner_up], decimal)
            if (abs(first - second) < DECIMAL_TIE) if decimal else first == second:
                taken = len(decisions)
                take = recorded[taken] == 1 if taken < recorded.shape[0] else rng.random() >= 0.5
                tie_orders.append(np.int64(len(realised) + 1))
                tie_exact.append(gain[chosen] == gain[runner_up])
                decisions.append(take)
                if take:
                    heapq.heappop(heap)
                    alive[runner_entry] = False
                    appended, chosen = entry, runner_up  # the chosen entry goes back to the end
                else:
                    # decide appends a second reference to the runner-up; copied on purpose.
                    appended = len(entry_row)
                    entry_row.append(runner_up)
                    stamp.append(np.int64(0))
                    version.append(np.int64(0))
                    alive.append(False)
                    next_entry.append(first_entry[runner_up])
                    first_entry[runner_up] = appended
        walked = valid[chosen]
        if walked:
            if not invalid_dropped:
                # decide drops every invalid candidate at its first walk of the list.
                for other in range(len(entry_row)):
                    alive[other] = alive[other] and valid[entry_row[other]]
                invalid_dropped = True
            walk = touched_entries(chosen, table, decimal, index, seen, len(realised), entry_row, stamp, alive, first_entry, next_entry)
            if appended >= 0 and seen[entry_row[appended]] == len(realised):
                walk.append((-tie_key(gain[entry_row[appended]], decimal), late, appended))
            for _, _, other in walk:
                row = entry_row[other]
                if valid[row]:
                    recalculate(row, chosen, state[Y, 0, chosen], state[Y, 1, chosen], table, rules, rng)
                alive[other] = valid[row]
            # New stamps keep the list's order among equal gains: fallen gains first (in reverse
            # list order), risen ones last (in list order), then the appended entry.
            for index_in_walk in range(len(walk) - 1, -1, -1):
                old_key, _, other = walk[index_in_walk]
                if alive[other] and other != appended and -tie_key(gain[entry_row[other]], decimal) > old_key:
                    stamp[other], early = early, early - 1
                    push(heap, other, entry_row, stamp, version, gain, decimal)
            for old_key, _, other in walk:
                if alive[other] and other != appended and -tie_key(gain[entry_row[other]], decimal) < old_key:
                    stamp[other], late = late, late + 1
                    push(heap, other, entry_row, stamp, version, gain, decimal)
            realised.append(chosen)
            records.append(gain[chosen])
            for side in range(2):
                records.append(state[NBS0, side, chosen])
                records.append(state[NBS1, side, chosen])
        if appended >= 0:
            # The appended entry is listed unless a walk of the list just dropped it as invalid.
            alive[appended] = valid[entry_row[appended]] or not walked
            if alive[appended]:
                stamp[appended], late = late, late + 1
                push(heap, appended, entry_row, stamp, version, gain, decimal)
    return realised, records, tie_orders, tie_exact, decisions


def _plain_python(compiled: Any, **replaced: Callable[..., Any]) -> Callable[..., Any]:
    """``compiled`` as plain Python that calls the plain Python versions of this module's other
    compiled functions (or the ``replaced`` ones): the same rules for object arrays, e.g. of
    Decimals."""
    namespace = dict(globals())
    for name, value in globals().items():
        if isinstance(value, numba.core.dispatcher.Dispatcher):
            namespace[name] = types.FunctionType(value.py_func.__code__, namespace, name)
    namespace.update(replaced)
    return namespace[compiled.__name__]


realise_python = _plain_python(realise, exact=Decimal)
