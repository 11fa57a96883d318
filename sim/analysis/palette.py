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

SHIPPED = {"five_element": BLUE, "pilot": VERMILLION, "county_scs_chapters": GREEN,
           "county": PURPLE}  # fmt: skip

# Verdict cues: a word, a symbol, and a colour (the colour last).
VERDICT_STYLE = {
    "better": ("▲", "#1b7837"),
    "worse": ("▼", "#b2182b"),
    "no practical difference": ("=", "#555555"),
    "depends on an assumption": ("?", "#8c510a"),
    "not clear": ("~", "#555555"),
    "too few runs": ("…", "#555555"),
}


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
