"""When to save and what to keep: small policies, apart from how a checkpoint is written.

A save policy is asked at every boundary of a fit, between two batches and
at each epoch's end, whether to commit a checkpoint there; it reads where the
fit stands (a ``Moment``) and what saving has cost so far (the fit's
``SaveClock``). Policies hold only their parameters, so that they clone,
pickle and compare as scikit-learn parameters do; all that a fit measures is
in its clock. They combine with ``|``, as orbax's save-decision policies do:
``Every(epochs=5) | Every(seconds=900)`` saves when either says so.

Whatever the policy, a fit also commits when it ends, pauses or is preempted,
and every commit holds the best state so far (written with it when no earlier
commit has it): a policy decides how much work a kill may lose, never whether
the best model reaches the disk.
"""

import functools
import math
import numbers
import re
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Moment:
    """Where a fit stands at a boundary where it may save.

    Attributes
    ----------
    epoch_end : bool
        True at the end of an epoch, False between two of its batches.
    improved : bool
        The epoch just ended is the best so far (always False between batches).
    epochs : int
        Epochs completed.
    batches : int
        Batches trained since the run began (resumes included).
    """

    epoch_end: bool
    improved: bool
    epochs: int
    batches: int


class SaveClock:
    """What saving has cost one fit so far, measured; read by the save policies.

    The cost of a save is what it blocks the training loop (pickling the
    model, waiting for the previous write) plus the CPU time of its
    background write: on a machine with cores to spare the latter costs the
    loop little, so counting it whole overstates the overhead rather than
    understating it.
    """

    def __init__(self):
        self.started = time.perf_counter()
        self.saves = 0
        self.blocked = 0.0  # seconds the loop waited on saves
        self.background = 0.0  # CPU seconds of background writes, completed
        self.last_save = self.started
        self.last_cost = None  # blocked + background of the last measured save
        self.estimated_cost = 0.0  # before any save: a snapshot's pickling and a durable write

    def elapsed(self):
        return time.perf_counter() - self.started

    def since_save(self):
        return time.perf_counter() - self.last_save

    @property
    def cost(self):
        """Seconds one save costs: the last one measured, or the estimate before the first."""
        return self.estimated_cost if self.last_cost is None else self.last_cost

    @property
    def spent(self):
        return self.blocked + self.background

    def overhead(self):
        """Saving's share of the fit's wall time so far."""
        elapsed = self.elapsed()
        return self.spent / elapsed if elapsed > 0 else 0.0

    def record_save(self, started, background):
        """A save began at ``started`` (``perf_counter``) and returned now; ``background``:
        CPU seconds of the writes completed so far.

        Intervals run from the start of one save to the next: what a kill
        loses is the work since the last state captured.
        """
        blocked = time.perf_counter() - started
        last_background = background - self.background
        self.saves += 1
        self.blocked += blocked
        self.background = background
        self.last_save = started
        self.last_cost = blocked + max(last_background, 0.0)


class SavePolicy:
    """When a fit commits a checkpoint, besides its end; combine policies with ``|``.

    Subclasses answer ``should_save``; ``interval`` says the period in
    seconds a policy works to, when it has one.
    """

    def check(self):
        """Raise a ValueError naming a parameter that cannot work, before any training."""

    def should_save(self, moment, clock):
        """Whether to commit at ``moment`` (a Moment), given the fit's SaveClock."""
        raise NotImplementedError

    def interval(self, clock):
        """The seconds between saves this policy aims at now, or None."""
        return None

    def saves_between_batches(self):
        """Whether the policy may save inside an epoch."""
        return False

    def __or__(self, other):
        if not isinstance(other, SavePolicy):
            return NotImplemented
        return AnyOf(*_parts(self), *_parts(other))

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash((type(self).__name__, *sorted(vars(self).items(), key=str)))

    def __repr__(self):
        args = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({args})"


def _parts(policy):
    return policy.policies if isinstance(policy, AnyOf) else (policy,)


class AnyOf(SavePolicy):
    """Save when any of ``policies`` says so (what ``a | b`` builds)."""

    def __init__(self, *policies):
        self.policies = policies

    def should_save(self, moment, clock):
        return any(policy.should_save(moment, clock) for policy in self.policies)

    def interval(self, clock):
        periods = [p.interval(clock) for p in self.policies]
        periods = [period for period in periods if period is not None]
        return min(periods, default=None)

    def saves_between_batches(self):
        return any(policy.saves_between_batches() for policy in self.policies)

    def __repr__(self):
        return " | ".join(map(repr, self.policies))


def _check_positive(policy, name, value, kind, unit):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        raise ValueError(f"{policy}({name}={value!r}): {name} must be a positive number of {unit}.")


class Every(SavePolicy):
    """Save every ``epochs`` epochs, every ``batches`` batches, every ``seconds`` seconds.

    As Lightning's ``ModelCheckpoint`` triggers and Keras'
    ``BackupAndRestore(save_freq=...)``; unlike Lightning's, they combine:
    any period given that is due triggers a save.

    Parameters
    ----------
    epochs : int, default=None
        Save after every epoch whose number is a multiple of this.
    batches : int, default=None
        Save between batches too, whenever the number of batches trained
        (counted over the whole run) is a multiple of this: a kill then
        loses at most this many batches, and ``warm_start`` continues
        inside the epoch exactly. Needs an epoch of several calls
        (``batch_size``, or a skorch net).
    seconds : float, default=None
        Save at the first boundary (batch or epoch) at least this many
        seconds after the previous save.
    """

    def __init__(self, epochs=None, batches=None, seconds=None):
        self.epochs = epochs
        self.batches = batches
        self.seconds = seconds

    def check(self):
        """Raise a ValueError for a period that is not positive, or none at all."""
        if self.epochs is None and self.batches is None and self.seconds is None:
            raise ValueError(
                "Every() was given no period: pass epochs, batches or seconds, "
                "e.g. Every(epochs=5) or Every(seconds=900)."
            )
        _check_positive("Every", "epochs", self.epochs, numbers.Integral, "epochs")
        _check_positive("Every", "batches", self.batches, numbers.Integral, "batches")
        _check_positive("Every", "seconds", self.seconds, numbers.Real, "seconds")

    def should_save(self, moment, clock):
        if self.epochs is not None and moment.epoch_end and moment.epochs % self.epochs == 0:
            return True
        if self.batches is not None and moment.batches and moment.batches % self.batches == 0:
            return True
        return self.seconds is not None and clock.since_save() >= self.seconds

    def interval(self, clock):
        return self.seconds

    def saves_between_batches(self):
        return self.batches is not None or self.seconds is not None


class OnImprovement(SavePolicy):
    """Save at every epoch that improves on the best score (what skstop always did)."""

    def should_save(self, moment, clock):
        return moment.improved


DURATION = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhd])\s*")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@functools.lru_cache(maxsize=32)
def _parsed_duration(text):
    """The seconds ``text`` (``"1h30m"``) says, or None; cached: Adaptive asks at every batch."""
    parts = DURATION.findall(text)
    if parts and "".join(DURATION.sub("", text).split()) == "":
        return sum(float(value) * UNIT_SECONDS[unit] for value, unit in parts)
    return None


def seconds_of(duration, argument):
    """``duration`` in seconds: a positive number, or a string such as ``"24h"`` or ``"1h30m"``."""
    if isinstance(duration, str):
        seconds = _parsed_duration(duration)
        if seconds is not None:
            return seconds
        raise ValueError(
            f"{argument}={duration!r} is not a duration: pass seconds (86400) or a "
            "string of numbers with units s, m, h or d, such as '24h' or '1h30m'."
        )
    if isinstance(duration, bool) or not isinstance(duration, numbers.Real):
        raise ValueError(f"{argument}={duration!r} must be seconds or a string such as '24h'.")
    return float(duration)


def daly_interval(cost, mtbf):
    """Seconds of work between checkpoints that waste least, for saves of ``cost`` seconds.

    Daly's higher-order estimate (2006) of the optimum, which for a ``cost``
    much below ``mtbf`` is Young's ``sqrt(2 * cost * mtbf)``; at least
    ``mtbf`` when a save costs more than twice the mean time between failures.
    """
    if cost >= 2 * mtbf:
        return mtbf
    ratio = cost / (2 * mtbf)
    return math.sqrt(2 * cost * mtbf) * (1 + math.sqrt(ratio) / 3 + ratio / 9) - cost


class Adaptive(SavePolicy):
    """Save as often as pays, given how often machines fail and what a save costs.

    The interval is Daly's optimum for the measured cost of a save and
    ``mtbf`` (Young's ``sqrt(2 * cost * mtbf)`` for cheap saves), as CheckFreq
    adapts its frequency to measured costs. An improvement is saved with the
    next commit, not sooner: a resume continues from any commit to the same
    end, so saving the best earlier would cost without saving work, and the
    best state is kept in memory and written when the fit ends or is
    preempted. No save is made that would take saving's share of the fit's
    wall time above ``max_overhead``, counting the save the fit's end will
    make; the cost of a save is what it blocks training plus the CPU time of
    its background write (see ``checkpoint_stats_``).

    Parameters
    ----------
    mtbf : float or str
        Mean time between failures (preemptions, crashes) of the machines
        the fit runs on: seconds, or a string such as ``"24h"``, ``"90m"``
        or ``"1d12h"``.
    max_overhead : float, default=0.05
        The largest share of the fit's wall time that saving may take, in
        (0, 1).
    """

    def __init__(self, mtbf, max_overhead=0.05):
        self.mtbf = mtbf
        self.max_overhead = max_overhead

    def check(self):
        """Raise a ValueError for an ``mtbf`` that is no positive duration, or a bad budget."""
        if not seconds_of(self.mtbf, "Adaptive(mtbf)") > 0:
            raise ValueError(f"Adaptive(mtbf={self.mtbf!r}): mtbf must be a positive duration.")
        budget = self.max_overhead
        if isinstance(budget, bool) or not isinstance(budget, numbers.Real) or not 0 < budget < 1:
            raise ValueError(
                f"Adaptive(max_overhead={budget!r}): max_overhead is a share of the fit's "
                "wall time, strictly between 0 and 1 (0.05 is 5 %)."
            )

    def interval(self, clock):
        cost = clock.cost
        return max(daly_interval(cost, seconds_of(self.mtbf, "mtbf")), cost / self.max_overhead)

    def should_save(self, moment, clock):
        # One more save, and the one at the end, must fit in the budget.
        if clock.spent + 2 * clock.cost > self.max_overhead * clock.elapsed():
            return False
        return clock.since_save() >= self.interval(clock)

    def saves_between_batches(self):
        return True


DEFAULT_POLICY = Adaptive(mtbf="24h", max_overhead=0.05)


def save_policy(checkpoint_every):
    """The SavePolicy that ``checkpoint_every`` means.

    None is the default, ``Adaptive("24h")``; an int ``n``, every improvement
    and every ``n`` epochs, as before policies existed.
    """
    if checkpoint_every is None:
        return DEFAULT_POLICY
    if isinstance(checkpoint_every, numbers.Integral):
        return OnImprovement() | Every(epochs=int(checkpoint_every))
    return checkpoint_every


def check_policy(policy):
    """Raise a ValueError for a policy (or a part of one) with a bad parameter."""
    for part in _parts(policy):
        part.check()


def batch_period(policy):
    """The ``Every(batches=...)`` period of ``policy`` (or of a part of it), else None."""
    periods = [p.batches for p in _parts(policy) if isinstance(p, Every) and p.batches]
    return min(periods, default=None)


class KeepLatest:
    """Keep the newest ``n`` commits; each names the best model so far, which stays too.

    Parameters
    ----------
    n : int
        Commits kept (``keep_last``).
    """

    def __init__(self, n):
        self.n = n

    def split(self, commits):
        """``(kept, dropped)`` of ``commits``, oldest first."""
        return commits[-self.n :], commits[: -self.n]
