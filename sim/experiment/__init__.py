"""Running many models: tasks, seeds, executors, sweeps, the results store. Knows nothing
about plots.

``tasks`` (one run as a worker sees it), ``seeds`` (the one seed derivation), ``executors``
(serial, processes, Dask), ``paired`` (the one paired comparison, ``PairedRuns``, and where
runs go, ``RunSettings``), ``compare`` (a comparison's runs), ``runner`` (``run_paired``, for
notebooks), ``robustness`` (a robustness analysis's phases), ``sweep`` and ``store``
(declared experiments into a resumable Parquet store), ``gcm`` (a Garbage Can design),
``results`` (the `sim compare` folder and every results folder's reader).
"""
