"""Pure meta-analysis engine on numpy/scipy (no Django), following metafor's split of verbs.

``effects`` computes study effect sizes (escalc), ``pooling`` pools them
(inverse variance, Mantel-Haenszel, Peto; DL, REML, PM; HKSJ), ``tau2`` holds
the between-study variance estimators, ``subgroups``, ``sensitivity`` and
``small_study`` the analyses built on a fit. ``python -m
synthesis.stats.conformance CASES.json`` checks the engine against metafor.
"""
