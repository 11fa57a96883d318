"""The one seed derivation every command uses.

Replication ``r`` of anything run from root seed ``S`` (a `sim compare`, a sweep's point, a
Garbage Can variant) gets ``run_seed(S, r)``: numpy's ``SeedSequence(S, spawn_key=(r,))``,
which is the ``r``-th child of ``SeedSequence(S)``. Structures, parameter points and scenarios
of one replication share it (common random numbers), so replication ``r`` of a comparison is
the same run as replication ``r`` of a sweep with the same root seed.
"""

from __future__ import annotations

import numpy as np


def run_seed(root: int, replication: int) -> int:
    """The seed of replication ``replication`` (counted from 0) under root seed ``root``."""
    seq = np.random.SeedSequence(root, spawn_key=(replication,))
    return int(seq.generate_state(1, dtype=np.uint64)[0] >> 1)


def replication_seeds(root: int, n: int) -> list[int]:
    """The seeds of replications 0 .. n-1."""
    return [run_seed(root, r) for r in range(n)]
