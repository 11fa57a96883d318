"""The worked examples' full robustness runs (``make robustness-docs``), installed with the
package as ``sim.worked_examples`` so that `sim demo` and the app find them from any folder."""
