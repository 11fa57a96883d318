"""The shipped design searches (``make search-docs``), installed with the package as
``sim.worked_searches`` so that the app's design page finds them from any folder."""
