"""The indicators a run records, by name: what an experiment's ``outputs``, a checks file's
``indicator`` and `sim sensitivity --indicator` may name, checked before any run starts.

The model computes them (:mod:`sim.model.results` and :mod:`sim.model.indicators`); a test
keeps these lists identical to what a run records. Each scenario adds its outcome
indicators as ``outcome_NAME`` and ``outcome_NAME_average``.
"""

from __future__ import annotations

SUMMARY_COLUMNS: tuple[str, ...] = (
    "weeks", "issues_raised", "issues_decided", "issues_delivered", "issues_closed",
    "issues_dropped", "median_weeks_to_decision", "median_weeks_to_delivery",
    "decision_censored_share", "delivery_censored_share", "targets_met", "meetings_held",
    "special_meetings", "on_demand_meetings", "inquorate_meetings", "member_hours",
    "member_attendance_rate", "substitute_share", "seats_filled_rate", "replacements",
    "deferrals", "send_backs", "stalls_caught", "resources_pledged", "named_issues",
    "named_weeks_to_decision", "named_weeks_to_delivery", "named_decision_censored_share",
    "named_delivery_censored_share", "named_targets_met_share", "green_without_outcome_share",
)  # fmt: skip
"""The numeric columns of every run's summary (the headline measures)."""

EVALUATION_COLUMNS: tuple[str, ...] = (
    "lead_weeks_to_direction", "lead_priority_share", "account_owner_share",
    "account_orphan_weeks", "open_decisions_share", "open_communicated_share",
    "open_voluntary_presence", "open_business_presence", "deliver_targets_met",
    "deliver_targets_share", "deliver_outcome_week", "commit_member_attendance",
    "commit_substitute_share", "commit_member_attendance_last_year", "commit_replacements",
    "commit_pledged_per_year", "commit_commitment_end", "scrutiny_challenges_per_year",
    "scrutiny_weeks_to_catch", "silos_pooled_share", "silos_joint_commissioning_share",
    "silos_duplicated_hours", "ripple_quick_wins", "ripple_outcome_per_1000_hours",
    "cycle_complete_share", "cycle_function_match_share", "cycle_handoffs_per_issue",
    "cycle_member_hours_per_year", "cycle_meetings_per_year",
)  # fmt: skip
"""The evaluation indicators (``evaluate: true`` in an experiment)."""
