"""The shipped structures, scenarios and experiments (YAML), installed with the package as
``sim.shipped`` so that ``sim`` finds them by short name from any folder. Nothing to import
here: see README.md and docs/scenarios.md."""
