"""Figures drawn with matplotlib from plain data: risk of bias (rob), forest
and funnel plots (forest, funnel) and the PRISMA 2020 flow diagram (prisma).

Pure: no Django. Every plot builds a :class:`matplotlib.figure.Figure` on the
Agg canvas (never pyplot, which keeps figures alive in a server), accepts
``ax=None`` and returns the figure; :func:`figure_bytes` turns it into PNG or
SVG bytes.

Command line: ``python -m synthesis.plots.rob ASSESSMENTS.json --out FILE.png``
draws a risk-of-bias traffic-light plot (``--plot summary`` for the summary
bar chart; ``.svg`` for SVG).
"""

from synthesis.plots.canvas import figure_bytes

__all__ = ["figure_bytes"]
