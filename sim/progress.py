"""Progress bars on standard error, for every command that can take more than a moment.

A thin layer over tqdm: the bar counts runs (or steps) done, their rate and the time left.
On a terminal it redraws at most ten times a second; on anything else (a log file, CI) it
writes a line at most every ten seconds, and once at the end.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sized

from tqdm import tqdm

TERMINAL_INTERVAL = 0.1  # seconds between redraws on a terminal
LOG_INTERVAL = 10.0  # seconds between lines elsewhere


class Bar(tqdm):
    """tqdm without its monitor thread: a process must stay single-threaded to fork workers
    safely (:func:`sim.experiment.executors.worker_context`)."""

    monitor_interval = 0


def bar(total: int, what: str = "runs", enabled: bool = True, desc: str | None = None) -> Bar:
    """A progress bar of ``total`` items (``what``: their plural), or one that shows nothing."""
    terminal = sys.stderr.isatty()
    return Bar(
        total=total,
        desc=desc,
        unit=f" {what}",
        unit_scale=False,
        file=sys.stderr,
        disable=not enabled,
        mininterval=TERMINAL_INTERVAL if terminal else LOG_INTERVAL,
        dynamic_ncols=terminal,
        ascii=not terminal,
        leave=True,
        smoothing=0,
    )


def track[B: Sized](
    batches: Iterable[B], total: int, what: str = "runs", enabled: bool = True
) -> Iterator[B]:
    """Pass ``batches`` through (each a finished group of ``total`` items), counting them on a
    bar. The clock starts when the first batch arrives, so the time workers take to start
    does not enter the rate or the time left."""
    with bar(total, what, enabled) as progress:
        first = True
        for batch in batches:
            if first:
                progress.reset(total)
                progress.initial = len(batch)
                first = False
            progress.update(len(batch))
            yield batch
