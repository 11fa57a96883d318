"""Running many models: seeds, tasks, executors. Knows nothing about plots."""

from sim.experiment.runner import RunTask, replication_seeds, run_paired, run_task, run_tasks

__all__ = ["RunTask", "replication_seeds", "run_paired", "run_task", "run_tasks"]
