"""One colour per structure option, the same in every figure, table, diagram and the app.

The colours are Okabe and Ito's palette ("Color Universal Design", 2008), which stays
distinguishable under the common forms of colour blindness. The shipped structures keep a
fixed colour whatever else is compared with them (the five-element structure is always blue,
the pilot always vermillion); any other option takes the next colour not yet in use, in the
order the options are given. Colour is never the only cue: every figure and table also names
the option, and better / worse verdicts carry a word and a symbol.
"""

from __future__ import annotations

# Okabe-Ito, without its yellow (too pale on white for lines and text).
BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BLACK = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"
)  # fmt: skip
PALETTE = (BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BLACK)

SHIPPED = {"five_element": BLUE, "pilot": VERMILLION, "do_minimum": PURPLE,
           "county_scs_chapters": GREEN, "county": SKY}  # fmt: skip

# Verdict cues: a symbol and a style class (the report's stylesheet tints better blue and
# worse orange, which stay apart under the common colour-vision deficiencies); the page also
# prints the verdict's word, so no cue rests on colour alone.
VERDICT_STYLE = {
    "better": ("\u2714", "better"),
    "worse": ("\u2716", "worse"),
    "mixed": ("\u00b1", "mixed"),
    "no practical difference": ("=", "no-difference"),
    "depends on an assumption": ("?", "depends"),
    "not clear": ("~", "unclear"),
    "too few runs": ("\u2026", "unclear"),
    "higher": ("\u2191", "neutral"),
    "lower": ("\u2193", "neutral"),
}


def verdict_style(verdict: str) -> tuple[str, str]:
    """A verdict's symbol and style class; a verdict with its detail in words ("too few runs
    (at least 11 pairs needed)", "depends on P (better where it is high)") takes its kind's."""
    if verdict in VERDICT_STYLE:
        return VERDICT_STYLE[verdict]
    if verdict.startswith("too few runs"):
        return VERDICT_STYLE["too few runs"]
    if verdict.startswith("depends on"):
        return VERDICT_STYLE["depends on an assumption"]
    return ("", "unclear")


def structure_colours(names: list[str]) -> dict[str, str]:
    """Each option's colour: the shipped ones fixed, the others in order from what is left.
    More options than colours reuse the palette from the start (names still tell them apart)."""
    out = {n: SHIPPED[n] for n in names if n in SHIPPED}
    free = [c for c in PALETTE if c not in out.values()] or list(PALETTE)
    i = 0
    for name in names:
        if name not in out:
            out[name] = free[i % len(free)]
            i += 1
    return {n: out[n] for n in names}
