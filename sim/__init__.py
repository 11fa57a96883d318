"""Agent-based simulation of local partnership structures on Mesa.

Layers (data flows top to bottom): ``sim.spec`` reads and validates the YAML a
researcher writes; ``sim.model`` runs one simulation; ``sim.cli`` is the
``sim`` command.

``__version__`` is looked up when first asked for, so that importing the package (the first
thing the ``sim`` command does, before it can catch Ctrl-C) takes next to no time.
"""


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("sim")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
