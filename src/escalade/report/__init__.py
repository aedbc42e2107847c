"""Rendering only: self-contained HTML reports, charts and tree diagrams from results.

Examples
--------
>>> import escalade
>>> from escalade.analysis import compare_policies
>>> from escalade.report import render_analysis
>>> html = render_analysis(compare_policies(escalade.load("korea-2017"), runs=100, seed=1))
>>> "Policies compared" in html
True
"""

from escalade.report._analysis import render_analysis, write_analysis
from escalade.report._charts import bar_chart, line_grid, svg_of
from escalade.report._exploration import render_exploration, write_exploration_report
from escalade.report._page import page, table
from escalade.report._prose import comparison_answer, exploration_answer
from escalade.report._tree import tree_svg

__all__ = [
    "bar_chart",
    "comparison_answer",
    "exploration_answer",
    "line_grid",
    "page",
    "render_analysis",
    "render_exploration",
    "svg_of",
    "table",
    "tree_svg",
    "write_analysis",
    "write_exploration_report",
]
