"""Times that end censored: an issue still undecided when a run ends has waited at least
that long, not an unknown time.

The Kaplan-Meier estimator here is a few lines of numpy, because the comparison bootstraps it
thousands of times; tests check it against ``scipy.stats.ecdf`` on ``CensoredData`` (the
reference) on random censored samples.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Times = Sequence[float] | np.ndarray
Seen = Sequence[bool] | np.ndarray


def km_curve(times: Times, observed: Seen) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier survival curve: the distinct event times and the probability of no
    event up to and including each. Censored times count as at risk until they pass."""
    t = np.asarray(times, dtype=float)
    seen = np.asarray(observed, dtype=bool)
    event_times = np.unique(t[seen])
    if len(event_times) == 0:
        return event_times, event_times
    at_risk = len(t) - np.searchsorted(np.sort(t), event_times, side="left")
    events = np.searchsorted(np.sort(t[seen]), event_times, side="right") - np.searchsorted(
        np.sort(t[seen]), event_times, side="left"
    )
    return event_times, np.cumprod(1.0 - events / at_risk)


def km_median(times: Times, observed: Seen) -> float:
    """Kaplan-Meier median time: the first time at which the estimated share still waiting
    falls to one half or below. NaN when it never does (or there is no data)."""
    event_times, survival = km_curve(times, observed)
    below = np.nonzero(survival <= 0.5 + 1e-12)[0]
    return float(event_times[below[0]]) if len(below) else math.nan


def restricted_mean(times: Times, observed: Seen, horizon: float) -> float:
    """Mean time restricted to ``horizon``: the area under the Kaplan-Meier survival curve
    from 0 to ``horizon`` (an event not seen by then counts as taking ``horizon``)."""
    if len(np.asarray(times)) == 0:
        return math.nan
    event_times, survival = km_curve(times, observed)
    steps = np.concatenate([[0.0], np.minimum(event_times, horizon), [horizon]])
    levels = np.concatenate([[1.0], survival])
    return float(np.sum(np.diff(steps) * levels))


def censored_share(observed: Seen) -> float:
    """Share of the times that are censored (the event not seen)."""
    observed = np.asarray(observed, dtype=bool)
    return float(1 - observed.mean()) if len(observed) else math.nan
