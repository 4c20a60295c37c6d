"""The benchmarks: ``make bench``'s page driver (``driver``) and its bare views (``views``),
and the export and import benchmark, a script of its own (``exports``)."""
