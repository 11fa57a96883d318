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
    title: str,
    description: str,
    valid: tuple[float, float],
    plausible: tuple[float, float],
    why: str,
    source: str = "assumption",
):
    """A named assumption: its default; its ``title``, a short plain name that reads after
    "where ... is high" (``the chance that off-focus work is referred out``); its
    description; the finite range a value must lie in (``valid``: past it, a one-line
    error); the range of values the evidence leaves plausible (``plausible``, swept by `sim
    robustness`) and why; and where the default comes from."""
    low, high = valid
    extra = {"source": source, "plausible": list(plausible), "why": why}
    return Field(
        default, title=title, description=description, ge=low, le=high, json_schema_extra=extra
    )


class Parameters(BaseModel):
    """Behavioural parameters of the partnership model (all assumptions unless noted)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    attendance_base: float = _p(
        0.85,
        "the chance that a committed member attends",
        "Probability that a fully committed, unloaded representative attends a meeting.",
        valid=(0, 1),
        plausible=(0.65, 0.95),
        why=(
            "Partnership boards commonly see two thirds to nine in ten of members attend; the "
            "three-absence rule (PI-ATTEND) says attendance was a problem, so not near 1."
        ),
    )
    load_capacity_meetings: float = _p(
        3.0,
        "the meetings a partner absorbs in four weeks without strain",
        "Meetings in the last four weeks a partner's representatives absorb without strain.",
        valid=(0, 20),
        plausible=(1.5, 5.0),
        why=(
            "A senior officer can sit through one or two partnership meetings a fortnight without"
            " strain; more than one a week strains anyone."
        ),
    )
    load_penalty: float = _p(
        0.08,
        "how much a heavy load of meetings cuts attendance",
        "Fall in attendance probability per meeting beyond the load capacity.",
        valid=(0, 1),
        plausible=(0.0, 0.2),
        why=(
            "From no effect of load at all to a fifth less likely to attend per meeting beyond "
            "capacity."
        ),
    )
    disengagement_rate: float = _p(
        0.03,
        "the commitment a member loses with each missed meeting",
        "Share of a representative's commitment lost at each meeting missed.",
        valid=(0, 1),
        plausible=(0.0, 0.1),
        why=(
            "From no loss of commitment with absence to a tenth lost per missed meeting (EV-"
            "COMMIT's retreat into one's own organisation)."
        ),
        source="EV-COMMIT (value assumed)",
    )
    reengagement_rate: float = _p(
        0.15,
        "the commitment a member regains with each meeting attended",
        "Share of the gap to the organisation's commitment regained per meeting attended.",
        valid=(0, 1),
        plausible=(0.05, 0.4),
        why=(
            "Attending restores commitment slowly: from a twentieth to two fifths of the gap per "
            "meeting."
        ),
        source="EV-COMMIT (value assumed)",
    )
    substitute_probability: float = _p(
        0.6,
        "the chance that an absent member sends a substitute",
        "Probability an absent member sends a substitute, where the body allows them.",
        valid=(0, 1),
        plausible=(0.3, 0.9),
        why=(
            "PI-SUBSTITUTE says an absent member should send a substitute; some always do, some "
            "rarely."
        ),
        source="PI-SUBSTITUTE (value assumed)",
    )
    substitute_mandate_probability: float = _p(
        0.5,
        "the chance that a substitute may commit their organisation",
        "Probability a substitute carries the mandate to commit the organisation.",
        valid=(0, 1),
        plausible=(0.2, 0.8),
        why=(
            "A 'well-briefed substitute of similar level' is the aim; often a substitute cannot "
            "commit the organisation."
        ),
        source="PI-SUBSTITUTE (value assumed)",
    )
    consensus_probability: float = _p(
        0.7,
        "the chance that an item is agreed by consensus",
        "Probability an agenda item reaches consensus (otherwise it goes to a vote).",
        valid=(0, 1),
        plausible=(0.5, 0.9),
        why=(
            "CO-WAYS: consensus is the norm and votes are the exception, but not rare enough to "
            "ignore."
        ),
        source="FE-EXEC-DECIDE (value assumed)",
    )
    support_probability: float = _p(
        0.65,
        "the chance that a member votes for an item",
        "Probability an eligible voting member present votes for an item.",
        valid=(0, 1),
        plausible=(0.5, 0.85),
        why="Items reaching a vote have been prepared: most members support them, not all.",
        source="FE-EXEC-DECIDE (value assumed)",
    )
    max_rejections: float = _p(
        1,
        "the rejections an issue survives before it is dropped",
        "Rejections an issue survives (sent back a step) before it is dropped.",
        valid=(0, 10),
        plausible=(0.0, 3.0),
        why=(
            "From dropping work at the first rejection to three chances (the model counts whole "
            "rejections)."
        ),
    )
    pledge_response_weeks: float = _p(
        6.0,
        "the weeks a partner takes to answer a request for resources",
        "Weeks a required partner not at the table takes to answer a request to pledge.",
        valid=(0, 5200),
        plausible=(2.0, 12.0),
        why="An organisation asked between meetings answers within a couple of weeks to a quarter.",
    )
    meeting_hours: float = _p(
        3.0,
        "the hours each member gives to a meeting",
        "Member-hours per attendee per meeting, preparation and travel included.",
        valid=(0.5, 24),
        plausible=(2.0, 5.0),
        why=(
            "A partnership meeting with its papers and travel takes from two to five hours of "
            "each person's time."
        ),
    )
    special_meeting_notice_weeks: float = _p(
        2.0,
        "the notice a special meeting needs",
        "Weeks between calling a special (or early) meeting and holding it.",
        valid=(0, 26),
        plausible=(1.0, 4.0),
        why="Calling a special meeting of senior people takes from one week to a month.",
        source="CO-ABG, PI-EXEC-CADENCE (value assumed)",
    )
    on_demand_notice_weeks: float = _p(
        1.0,
        "the notice an operational group needs to meet",
        "Weeks between work arriving at an on-demand group and its meeting.",
        valid=(0, 26),
        plausible=(0.5, 3.0),
        why=(
            "An operational group can meet within days to three weeks of work arriving (PI-OPS-"
            "CADENCE)."
        ),
        source="PI-OPS-CADENCE (value assumed)",
    )
    milestone_interval_weeks: float = _p(
        4.0,
        "the weeks between delivery milestones",
        "Weeks between delivery milestones.",
        valid=(0.25, 52),
        plausible=(2.0, 8.0),
        why="How often delivery progress is taken stock of: fortnightly to every two months.",
    )
    delivery_noise_shape: float = _p(
        4.0,
        "how steady delivery progress is",
        "Gamma shape of the random factor on each milestone's progress (mean 1).",
        valid=(0.5, 1e6),
        plausible=(2.0, 10.0),
        why=(
            "How variable progress is between milestones: from very (shape 2) to little (shape 10)."
        ),
    )
    setback_probability: float = _p(
        0.12,
        "the chance that a delivery milestone is a setback",
        "Probability a delivery milestone makes no progress (a setback).",
        valid=(0, 1),
        plausible=(0.05, 0.25),
        why="Between one milestone in twenty and one in four makes no progress.",
    )
    stall_ratio: float = _p(
        0.5,
        "the progress below which a delivery counts as stalled",
        "A milestone that makes less than this share of planned progress marks a stall.",
        valid=(0, 1),
        plausible=(0.3, 0.7),
        why=(
            "Where a slow milestone becomes a stall a reviewing body should notice: a third to "
            "two thirds of the planned progress."
        ),
    )
    verbal_report_probability: float = _p(
        0.3,
        "the chance that a group raises a stall out of turn",
        "Probability a reporting body's representative raises a stall verbally out of rotation.",
        valid=(0, 1),
        plausible=(0.1, 0.6),
        why=(
            "FE-PAG-REPORT allows a PAG to raise an issue at any Executive meeting; how often one"
            " does is unknown."
        ),
        source="FE-PAG-REPORT (value assumed)",
    )
    outcome_probability: float = _p(
        0.8,
        "the chance that fully resourced work achieves its outcome",
        "Probability a fully resourced delivery achieves its outcome.",
        valid=(0, 1),
        plausible=(0.6, 0.95),
        why=(
            "Calibrated at 0.8 to one datum (docs/calibration.md); values from 0.6 to 0.95 are "
            "not ruled out by anything else."
        ),
        source="calibration (docs/calibration.md)",
    )
    rework_share: float = _p(
        0.25,
        "the extra effort work sent back needs",
        "Extra delivery effort, as a share of the original, after an evaluation send-back.",
        valid=(0, 1),
        plausible=(0.1, 0.5),
        why=(
            "Work sent back for not achieving its outcome needs from a tenth to half of the "
            "original effort again."
        ),
    )
    off_focus_referral_probability: float = _p(
        0.5,
        "the chance that off-focus work is referred out",
        "Where a structure declares a focus, probability an off-focus issue is referred out.",
        valid=(0, 1),
        plausible=(0.0, 1.0),
        why=(
            "PI-FOCUS says the pilot narrows its focus but not what happens to other work: "
            "anything from never referring it out to always."
        ),
        source="PI-FOCUS (value assumed)",
    )
    idle_weeks_before_review: float = _p(
        52.0,
        "the idle weeks before a group may be stood down",
        "Weeks without work after which a reviewing body may stand a delivery group down.",
        valid=(1, 5200),
        plausible=(26.0, 104.0),
        why=(
            "FE-PAG-LIFE: a PAG exists as long as the Executive judges it necessary; a group idle"
            " for six months to two years may be stood down."
        ),
        source="FE-PAG-LIFE (value assumed)",
    )
    agenda_capacity_scale: float = _p(
        1.0,
        "the size of every body's agenda",
        "Multiplier on every body's agenda capacity (the capacities are assumptions).",
        valid=(0.1, 10),
        plausible=(0.5, 1.5),
        why=(
            "The agenda sizes of the structure files are assumptions: from half to one and a half"
            " of them."
        ),
    )
    limited_support_agenda_capacity: float = _p(
        2,
        "the agenda of a group with only limited support",
        "Agenda items a group with only limited support-team help can take per meeting.",
        valid=(1, 50),
        plausible=(1.0, 4.0),
        why=(
            "FE-PAG-LIFE: a group with only limited support-team help can take one to four items "
            "a meeting."
        ),
        source="FE-PAG-LIFE (value assumed)",
    )
    budget_renewal_weeks: float = _p(
        52.0,
        "the weeks between budget renewals",
        "Weeks between renewals of partners' budgets.",
        valid=(1, 520),
        plausible=(52.0, 52.0),
        why="The financial year: not uncertain, held at 52.",
    )
    solution_coefficient: float = _p(
        0.6,
        "the share of attention that counts as energy (Garbage Can)",
        (
            "Share of a member's attention that counts as effective energy at a choice under "
            "garbage-can attachment (Cohen, March and Olsen 1972)."
        ),
        valid=(0, 1),
        plausible=(0.6, 0.6),
        why=(
            "The Garbage Can Model's own value (Cohen, March and Olsen 1972); it acts only under "
            "garbage-can attachment, so it is held fixed."
        ),
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


def parameter_title(name: str) -> str:
    """A parameter in plain words, to read after "where ... is high / low" (a robustness
    verdict that depends on it says "holds where the chance that off-focus work is referred
    out is low")."""
    return Parameters.model_fields[name].title or name


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
        "*In plain words* is the parameter's title, written to be read after \"where ... is",
        'high" or "low" (a conclusion that holds "where the chance that off-focus work is',
        'referred out is low").',
        "",
        "Source: `assumption` (the source documents are silent), a rule id of",
        "`docs/sources.md` with `(value assumed)` (a rule asks for the mechanism, not the",
        "number), `calibration` (tuned to the one figure of the Partnership's own reporting,",
        "`docs/calibration.md`) or the literature the value comes from. `docs/ODD.md` adds",
        "the range each shipped experiment sweeps.",
        "",
        "*Valid* is the finite range a value must lie in: a value outside it (or not a finite",
        "number) is a one-line error. *Plausible* is the range the evidence leaves open, with",
        "its reason: `sim robustness` sweeps every parameter over it (a parameter whose range",
        "is one value is held there).",
        "",
        "| name | in plain words | default | meaning | source | valid | plausible "
        "| why plausible |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, field in Parameters.model_fields.items():
        low, high = valid_range(name)
        p_low, p_high = plausible_range(name)
        why = field.json_schema_extra["why"]
        lines.append(
            f"| `{name}` | {parameter_title(name)} | {field.default:g} | {field.description} "
            f"| {parameter_source(name)} "
            f"| {low:g} to {high:g} | {p_low:g} to {p_high:g} | {why} |"
        )
    return "\n".join(lines) + "\n"


def valid_range(name: str) -> tuple[float, float]:
    """The finite range a parameter's value must lie in."""
    low = high = None
    for item in Parameters.model_fields[name].metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    return float(low), float(high)


def plausible_range(name: str) -> tuple[float, float]:
    """The range of values the evidence leaves plausible (swept by `sim robustness`)."""
    low, high = Parameters.model_fields[name].json_schema_extra["plausible"]
    return float(low), float(high)


def known_parameters(value: dict[str, float]) -> dict[str, float]:
    """A field validator's body for a ``parameters:`` mapping: every name a named assumption,
    every value in its valid range."""
    for name in value:
        if name not in PARAMETER_NAMES:
            raise ValueError(f"unknown parameter '{name}' (see docs/parameters.md)")
    check_parameters(value)
    return value
