"""Named assumptions: every behavioural number the source documents do not fix.

Each parameter has a default, a description and a source. "assumption" means the source
documents are silent and the value is a modelling choice; a rule id (docs/sources.md)
followed by "(value assumed)" means a rule of the source documents asks for the mechanism
but gives no number; "calibration" means the value was tuned to the one figure of the
Partnership's own performance reporting (docs/calibration.md); a citation names the
literature the value comes from. A scenario file (``parameters:``) or the command line
(``--set name=value``) overrides any of them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError


def _p(
    default: float,
    description: str,
    low: float = 0.0,
    high: float | None = None,
    source: str = "assumption",
):
    return Field(
        default, description=description, ge=low, le=high, json_schema_extra={"source": source}
    )


class Parameters(BaseModel):
    """Behavioural parameters of the partnership model (all assumptions unless noted)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    attendance_base: float = _p(
        0.85, "Probability that a fully committed, unloaded representative attends a meeting.", 0, 1
    )
    load_capacity_meetings: float = _p(
        3.0, "Meetings in the last four weeks a partner's representatives absorb without strain."
    )
    load_penalty: float = _p(
        0.08, "Fall in attendance probability per meeting beyond the load capacity.", 0, 1
    )
    disengagement_rate: float = _p(
        0.03,
        "Share of a representative's commitment lost at each meeting missed.",
        0,
        1,
        source="EV-COMMIT (value assumed)",
    )
    reengagement_rate: float = _p(
        0.15,
        "Share of the gap to the organisation's commitment regained per meeting attended.",
        0,
        1,
        source="EV-COMMIT (value assumed)",
    )
    substitute_probability: float = _p(
        0.6,
        "Probability an absent member sends a substitute, where the body allows them.",
        0,
        1,
        source="PI-SUBSTITUTE (value assumed)",
    )
    substitute_mandate_probability: float = _p(
        0.5,
        "Probability a substitute carries the mandate to commit the organisation.",
        0,
        1,
        source="PI-SUBSTITUTE (value assumed)",
    )
    consensus_probability: float = _p(
        0.7,
        "Probability an agenda item reaches consensus (otherwise it goes to a vote).",
        0,
        1,
        source="FE-EXEC-DECIDE (value assumed)",
    )
    support_probability: float = _p(
        0.65,
        "Probability an eligible voting member present votes for an item.",
        0,
        1,
        source="FE-EXEC-DECIDE (value assumed)",
    )
    max_rejections: float = _p(
        1, "Rejections an issue survives (sent back a step) before it is dropped."
    )
    pledge_response_weeks: float = _p(
        6.0, "Weeks a required partner not at the table takes to answer a request to pledge.", 0
    )
    meeting_hours: float = _p(
        3.0, "Member-hours per attendee per meeting, preparation and travel included."
    )
    special_meeting_notice_weeks: float = _p(
        2.0,
        "Weeks between calling a special (or early) meeting and holding it.",
        source="CO-ABG, PI-EXEC-CADENCE (value assumed)",
    )
    on_demand_notice_weeks: float = _p(
        1.0,
        "Weeks between work arriving at an on-demand group and its meeting.",
        source="PI-OPS-CADENCE (value assumed)",
    )
    milestone_interval_weeks: float = _p(4.0, "Weeks between delivery milestones.", 0.25)
    delivery_noise_shape: float = _p(
        4.0, "Gamma shape of the random factor on each milestone's progress (mean 1).", 0.5
    )
    setback_probability: float = _p(
        0.12, "Probability a delivery milestone makes no progress (a setback).", 0, 1
    )
    stall_ratio: float = _p(
        0.5, "A milestone that makes less than this share of planned progress marks a stall.", 0, 1
    )
    verbal_report_probability: float = _p(
        0.3,
        "Probability a reporting body's representative raises a stall verbally out of rotation.",
        0,
        1,
        source="FE-PAG-REPORT (value assumed)",
    )
    outcome_probability: float = _p(
        0.8,
        "Probability a fully resourced delivery achieves its outcome.",
        0,
        1,
        source="calibration (docs/calibration.md)",
    )
    rework_share: float = _p(
        0.25, "Extra delivery effort, as a share of the original, after an evaluation send-back."
    )
    off_focus_referral_probability: float = _p(
        0.5,
        "Where a structure declares a focus, probability an off-focus issue is referred out.",
        0,
        1,
        source="PI-FOCUS (value assumed)",
    )
    idle_weeks_before_review: float = _p(
        52.0,
        "Weeks without work after which a reviewing body may stand a delivery group down.",
        source="FE-PAG-LIFE (value assumed)",
    )
    agenda_capacity_scale: float = _p(
        1.0, "Multiplier on every body's agenda capacity (the capacities are assumptions).", 0.1
    )
    limited_support_agenda_capacity: float = _p(
        2,
        "Agenda items a group with only limited support-team help can take per meeting.",
        1,
        source="FE-PAG-LIFE (value assumed)",
    )
    budget_renewal_weeks: float = _p(52.0, "Weeks between renewals of partners' budgets.", 1)
    solution_coefficient: float = _p(
        0.6,
        "Share of a member's attention that counts as effective energy at a choice under "
        "garbage-can attachment (Cohen, March and Olsen 1972).",
        0,
        1,
        source="Cohen, March and Olsen 1972",
    )


PARAMETER_NAMES: tuple[str, ...] = tuple(Parameters.model_fields)


def check_parameters(values: dict[str, float]) -> Parameters:
    """Validate overrides; raises ValueError naming the first bad parameter in one line."""
    try:
        return Parameters(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(k) for k in err["loc"])
        raise ValueError(f"parameter '{name}': {err['msg']}") from None


def parameter_source(name: str) -> str:
    """Where a parameter's value comes from: assumption, a rule, calibration, literature."""
    return Parameters.model_fields[name].json_schema_extra["source"]


def parameters_markdown() -> str:
    """The table of named assumptions, as committed in docs/parameters.md."""
    lines = [
        "# Parameters: the named assumptions",
        "",
        "Every behavioural number the source documents do not fix. Override any of them in a",
        "scenario (`parameters:`) or on the command line (`--set name=value`). Generated by",
        "`sim parameters`; a test keeps this page identical to the code.",
        "",
        "Source: `assumption` (the source documents are silent), a rule id of",
        "`docs/sources.md` with `(value assumed)` (a rule asks for the mechanism, not the",
        "number), `calibration` (tuned to the one figure of the Partnership's own reporting,",
        "`docs/calibration.md`) or the literature the value comes from. `docs/ODD.md` adds",
        "the range each shipped experiment sweeps.",
        "",
        "| name | default | meaning | source |",
        "|---|---|---|---|",
    ]
    for name, field in Parameters.model_fields.items():
        lines.append(
            f"| `{name}` | {field.default:g} | {field.description} | {parameter_source(name)} |"
        )
    return "\n".join(lines) + "\n"
