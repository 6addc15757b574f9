"""The report's charts as inline SVG, drawn by matplotlib (Agg, no display, no pyplot).

Deterministic: a fixed hash salt for the SVG ids and no date in the metadata, so the same
figures give the same bytes. Text stays text (`svg.fonttype: none`): searchable, small,
and readable in the PDF. Labels are never parsed as mathtext (a supplier may be called
"$mart AB").
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from tracker.reports.figures import OUTCOME_LABELS, OUTCOMES, BreakdownLine, TrendPoint

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# No display and no GUI toolkit, whoever imported pyplot first (we never do).
matplotlib.use("Agg")

# Okabe-Ito colours, readable with the common colour-vision deficiencies.
COLOURS = {
    "on_time": "#009E73",
    "late": "#E69F00",
    "overdue": "#D55E00",
    "open": "#56B4E9",
    "under_review": "#0072B2",
    "waived": "#999999",
    "not_applicable": "#CCCCCC",
}
INK = "#222222"
STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "clause-tracker-report",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": "#888888",
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
TOP_SUPPLIERS = 10
LABEL_CHARS = 38
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def _label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _svg(figure: Figure, prefix: str) -> str:
    """The figure as an <svg> element whose ids are unique to this chart (several charts
    share one HTML document)."""
    buffer = io.StringIO()
    with matplotlib.rc_context(STYLE):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    text = _METADATA.sub("", text[text.index("<svg") :])  # RDF naming the drawing library
    text = _ID.sub(lambda m: f'id="{prefix}-{m[1]}"', text)
    return _REF.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", text).strip() + "\n"


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), dpi=72, layout="constrained")


def _empty(figure: Figure, message: str) -> None:
    with matplotlib.rc_context(STYLE):
        axes = figure.add_subplot()
        axes.set_axis_off()
        axes.text(0.5, 0.5, message, ha="center", va="center", color="#555555")


def on_time_trend(trend: Sequence[TrendPoint]) -> str:
    """On-time rate per period, oldest first; a period with nothing to judge is a gap."""
    figure = _figure(6.4, 2.6)
    with matplotlib.rc_context(STYLE):
        axes = figure.add_subplot()
        labels = [p.period.label for p in trend]
        rates = [p.outcomes.on_time_rate for p in trend]
        values = [math.nan if r is None else r for r in rates]
        positions = list(range(len(labels)))
        axes.plot(positions, values, marker="o", color=COLOURS["on_time"], linewidth=2)
        for x, rate in zip(positions, rates, strict=True):
            text = "—" if rate is None else f"{rate * 100:.0f} %"
            y = 0.0 if rate is None else rate
            axes.annotate(text, (x, y), textcoords="offset points", xytext=(0, 7), ha="center")
        axes.set_xticks(positions, labels)
        axes.set_ylim(0, 1.12)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axes.set_ylabel("on-time rate")
        axes.grid(axis="y", color="#DDDDDD", linewidth=0.6)
        axes.set_axisbelow(True)
    return _svg(figure, "trend")


def overdue_by_supplier(lines: Sequence[BreakdownLine]) -> str:
    """The suppliers with the most overdue obligations, at most ten, most at the top."""
    top = [b for b in lines if b.outcomes.overdue > 0]
    top = sorted(top, key=lambda b: (-b.outcomes.overdue, b.label, b.key))[:TOP_SUPPLIERS]
    figure = _figure(6.4, 0.9 + 0.28 * max(len(top), 3))
    if not top:
        _empty(figure, "No overdue obligations in this period")
        return _svg(figure, "suppliers")
    with matplotlib.rc_context(STYLE):
        axes = figure.add_subplot()
        names = [_label(b.label) for b in reversed(top)]
        counts = [b.outcomes.overdue for b in reversed(top)]
        bars = axes.barh(range(len(top)), counts, color=COLOURS["overdue"])
        axes.bar_label(bars, padding=3)
        axes.set_yticks(range(len(top)), names)
        axes.set_xlabel("overdue obligations")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.margins(x=0.12)
    return _svg(figure, "suppliers")


def status_by_category(lines: Sequence[BreakdownLine]) -> str:
    """One stacked bar per clause category: how its obligations stand."""
    rows = sorted(lines, key=lambda b: b.key)
    figure = _figure(6.4, 1.3 + 0.3 * max(len(rows), 3))
    if not rows:
        _empty(figure, "No obligations in this period")
        return _svg(figure, "categories")
    with matplotlib.rc_context(STYLE):
        axes = figure.add_subplot()
        positions = list(range(len(rows)))[::-1]
        left = [0] * len(rows)
        for outcome in OUTCOMES:
            widths = [getattr(b.outcomes, outcome) for b in rows]
            if not any(widths):
                continue
            axes.barh(
                positions,
                widths,
                left=left,
                color=COLOURS[outcome],
                label=OUTCOME_LABELS[outcome],
                edgecolor="white",
                linewidth=0.4,
            )
            left = [a + b for a, b in zip(left, widths, strict=True)]
        axes.set_yticks(positions, [_label(b.label) for b in rows])
        axes.set_xlabel("obligations")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=4, frameon=False)
    return _svg(figure, "categories")
