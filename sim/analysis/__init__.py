"""From run tables to comparisons, figures and (later) the option-appraisal report."""

from sim.analysis.compare import (
    HEADLINE,
    format_comparison,
    headline_indicators,
    paired_comparison,
    plot_indicator,
    plot_outcome_series,
)

__all__ = [
    "HEADLINE",
    "format_comparison",
    "headline_indicators",
    "paired_comparison",
    "plot_indicator",
    "plot_outcome_series",
]
