"""Agent-based simulation of local partnership structures on Mesa.

Layers (data flows top to bottom): ``sim.spec`` reads and validates the YAML a
researcher writes; ``sim.model`` runs one simulation; ``sim.cli`` is the
``sim`` command.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
