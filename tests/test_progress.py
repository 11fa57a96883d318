"""Progress bars: on standard error, quiet when asked, and a rate that leaves out the time
before the first run finished (workers starting)."""

from __future__ import annotations

import re
import time

from sim.progress import track


def slow_start(batches: int, wait: float, step: float):
    time.sleep(wait)  # workers starting: no run has finished yet
    for _ in range(batches):
        yield [None, None]
        time.sleep(step)


def test_batches_pass_through_and_the_clock_starts_at_the_first(capsys):
    seen = list(track(slow_start(6, wait=1.0, step=0.05), total=12))
    assert len(seen) == 6
    err = capsys.readouterr().err
    assert "12/12" in err
    rate = float(re.findall(r"([\d.]+) runs/s", err)[-1])
    assert rate > 20  # 10 runs in about 0.25 s; about 11 a second if the wait counted


def test_nothing_is_shown_when_disabled(capsys):
    assert len(list(track(slow_start(2, 0, 0), total=4, enabled=False))) == 2
    assert capsys.readouterr().err == ""
