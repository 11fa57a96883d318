"""The browser app (`sim app`, `make app`): a board member tries structure options without YAML.

:mod:`sim.app.logic` holds everything that is not drawing (the choices, the sliders' bounds,
the structural knobs applied to a loaded structure, paired replications run in the background
with a cancel, the tables shown); :mod:`sim.app.page` is the Solara page, and
:mod:`sim.app.serve` starts it. Only :mod:`sim.app.page` and :mod:`sim.app.serve` import
Solara, so `sim --help` and the rest of the package never pay for it.
"""
