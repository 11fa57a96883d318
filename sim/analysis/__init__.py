"""From run tables to comparisons, figures, sensitivity, checks and the option-appraisal
report. Imports from every layer above; nothing imports from here but the command line and
the notebooks."""
