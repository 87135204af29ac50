"""The score per theme as a PNG bar chart, readable on a phone.

Each theme gets its name on a line of its own above its bar (long Dutch theme
names do not fit beside a bar at a phone-readable size), the bar runs from 0
to 100 %, and the value is printed at its end. With a previous round, a
lighter bar for that round sits above the current one, with a legend. A theme
without answers has no bar and says "nog niet ingevuld", never 0 %.

The figure is built with matplotlib's object-oriented API on an Agg canvas
per call: no pyplot, no global state.
"""

from __future__ import annotations

from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.report.data import NOT_STARTED, ReportData

WIDTH_PX = 1080
DPI = 100
CURRENT = "#1b5e8c"
PREVIOUS = "#a8c8e0"
TRACK = "#eef2f5"
TEXT = "#1d2b36"
MUTED = "#5b6b78"

# Vertical layout: the y axis counts in bar heights, INCH_PER_UNIT inches each.
BAR = 1.0
GAP_BETWEEN_BARS = 0.15
NAME_SPACE = 1.25  # room for the theme name above its bars
THEME_GAP = 0.55
INCH_PER_UNIT = 0.52
TITLE_IN = 1.65  # title and subtitle
LEGEND_IN = 0.6
AXIS_IN = 0.75  # the x tick labels below the bars
LEFT, RIGHT = 0.04, 0.945  # figure fractions: "100%" must not touch the edge


def render_chart(report: ReportData) -> bytes:
    """A PNG of the score per theme, about 1080 px wide."""
    with_previous = report.previous_round is not None
    bars = 2 if with_previous else 1
    slot = NAME_SPACE + bars * BAR + (bars - 1) * GAP_BETWEEN_BARS + THEME_GAP
    top_in = TITLE_IN + (LEGEND_IN if with_previous else 0.0)
    plot_in = len(report.themes) * slot * INCH_PER_UNIT
    height_in = top_in + plot_in + AXIS_IN

    fig = Figure(figsize=(WIDTH_PX / DPI, height_in), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((LEFT, AXIS_IN / height_in, RIGHT - LEFT, plot_in / height_in))
    _title(fig, canvas, report, height_in)
    _bars(ax, report, slot)
    if with_previous:
        _legend(fig, report, height_in)

    out = BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    fig.clear()
    return out.getvalue()


def _title(fig: Figure, canvas: FigureCanvasAgg, report: ReportData, height_in: float) -> None:
    y = 1 - 0.3 / height_in
    title = fig.text(LEFT, y, f"{report.municipality} – ronde {report.round}", fontsize=30, fontweight="bold",
                     color=TEXT, va="top")
    room = (RIGHT - LEFT) * WIDTH_PX
    width = title.get_window_extent(canvas.get_renderer()).width
    if width > room:  # a long name ("Nuenen, Gerwen en Nederwetten"): smaller, never cut off
        title.set_fontsize(30 * room / width)
    fig.text(LEFT, y - 0.72 / height_in, "Score per thema (Ja telt 1, Deels ½)", fontsize=21, color=MUTED, va="top")


def _bars(ax: Axes, report: ReportData, slot: float) -> None:
    with_previous = report.previous_round is not None
    for index, row in enumerate(report.themes):
        top = index * slot
        name = f"{row.theme.id}. {row.theme.title}"
        ax.text(0, top + NAME_SPACE - 0.3, name, fontsize=22, color=TEXT, va="bottom", ha="left")
        y = top + NAME_SPACE + BAR / 2
        if with_previous and row.previous_percent is not None:
            _bar(ax, y, row.previous_percent if row.previous_started else None, PREVIOUS, bold=False)
            y += BAR + GAP_BETWEEN_BARS
        _bar(ax, y, row.percent if row.started else None, CURRENT, bold=True)

    ax.set_xlim(0, 100)
    ax.set_ylim(len(report.themes) * slot - THEME_GAP / 2, 0)  # first theme on top
    ax.set_yticks([])
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=18, color=MUTED)
    ax.tick_params(axis="x", length=0, pad=8)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#d5dde3", linewidth=1)
    ax.set_axisbelow(True)


def _bar(ax: Axes, y: float, percent: int | None, color: str, *, bold: bool) -> None:
    """A bar to ``percent``; for None (no answers) only the track, saying so."""
    ax.barh(y, 100, height=BAR, color=TRACK, zorder=1)
    if percent is None:
        ax.text(1.2, y, NOT_STARTED, va="center", ha="left", fontsize=19, color=MUTED, style="italic", zorder=3)
        return
    ax.barh(y, percent, height=BAR, color=color, zorder=2)
    inside = percent >= 84  # no room after the bar: print the value inside it
    ax.text(
        percent - 1.2 if inside else percent + 1.2,
        y,
        f"{percent}%",
        va="center",
        ha="right" if inside else "left",
        fontsize=20,
        color="white" if inside and bold else TEXT,
        fontweight="bold" if bold else "normal",
        zorder=3,
    )


def _legend(fig: Figure, report: ReportData, height_in: float) -> None:
    handles = [
        Patch(color=PREVIOUS, label=f"Ronde {report.previous_round}"),
        Patch(color=CURRENT, label=f"Ronde {report.round}"),
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.035, 1 - 1.55 / height_in),
        ncols=2,
        fontsize=19,
        frameon=False,
        handlelength=1.4,
        handleheight=1.0,
        columnspacing=1.6,
    )
