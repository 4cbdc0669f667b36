"""A picture of a timeline: one bar per interval, coloured by verdict, with
the alternatives of uncertain readings as extra rows and the change dates
labelled with the instrument that caused them. PNG with matplotlib (Agg
backend), HTML with plotly (its JavaScript inlined: no network). Imported
only when a plot is asked for; the rest of :mod:`lanthanide.changes` never
imports this module."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lanthanide.changes.results import Interval, Timeline

COLOURS = {
    "prohibited": "#7f0000",
    "denial_presumed": "#d7301f",
    "licence_required": "#fc8d59",
    "report_required": "#fdcc8a",
    "registration_required": "#fef0d9",
    "not_controlled": "#91cf60",
    "undetermined": "#bdbdbd",
}


class PlotError(ValueError):
    """An unsupported file name (``field`` = ``plot``)."""

    field = "plot"


def _rows(t: Timeline) -> list[tuple[str, tuple[Interval, ...]]]:
    rows = [("legal text", t.intervals)]
    rows += [(f"{a.status}: {a.reading} ({a.tag})", a.intervals) for a in t.alternatives]
    return rows


def _title(t: Timeline) -> str:
    c = t.case
    what = c.item or c.hs or c.text or "?"
    extra = f", {c.end_use}" if c.end_use else ""
    return f"{what} to {c.destination or 'any destination'}{extra}: {t.start} to {t.until}"


def write(t: Timeline, path: Path | str) -> None:
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".html":
        _html(t, p)
    elif suffix == ".png":
        _png(t, p)
    else:
        raise PlotError(f"'{p.name}': give a .png or .html file name")


def _days(a: date, b: date) -> int:
    return (b - a).days


def _png(t: Timeline, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rows = _rows(t)
    fig, ax = plt.subplots(figsize=(12, 1.4 + 0.7 * len(rows)))
    for y, (_, ivs) in enumerate(rows):
        for iv in ivs:
            ax.barh(
                y,
                _days(iv.start, iv.end),
                left=mdates.date2num(iv.start),  # type: ignore[no-untyped-call]
                color=COLOURS.get(iv.verdict, "#999999"),
                edgecolor="white",
                hatch="//" if iv.beyond_data_from == iv.start else None,
            )
    for ch in t.changes:
        x = mdates.date2num(ch.date)  # type: ignore[no-untyped-call]
        ax.axvline(x, color="#333333", lw=0.6, ls=":")
        ax.text(
            x,
            len(rows) - 0.4,
            f"{ch.date}\n{ch.instrument}",
            fontsize=7,
            rotation=90,
            va="bottom",
            ha="right",
        )
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.xaxis_date()
    ax.set_ylim(-0.6, len(rows) + 1.6)
    ax.set_title(_title(t), fontsize=10)
    seen = sorted({iv.verdict for _, ivs in rows for iv in ivs})
    ax.legend(
        handles=[Patch(color=COLOURS.get(v, "#999999"), label=v) for v in seen],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        fontsize=7,
        ncol=len(seen),
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _html(t: Timeline, path: Path) -> None:
    import plotly.graph_objects as go

    fig = go.Figure()
    shown: set[str] = set()
    for label, ivs in _rows(t):
        for iv in ivs:
            names = ", ".join(n or i for i, n in iv.instruments) or "no instrument"
            fig.add_trace(
                go.Bar(
                    x=[_days(iv.start, iv.end) * 86_400_000],
                    y=[label],
                    base=[iv.start.isoformat()],
                    orientation="h",
                    marker_color=COLOURS.get(iv.verdict, "#999999"),
                    name=iv.verdict,
                    legendgroup=iv.verdict,
                    showlegend=iv.verdict not in shown,
                    hovertext=f"{iv.start} to {iv.last_day}: {iv.verdict} ({names})",
                    hoverinfo="text",
                )
            )
            shown.add(iv.verdict)
    for ch in t.changes:
        fig.add_vline(x=ch.date.isoformat(), line_dash="dot", line_width=1)
        fig.add_annotation(
            x=ch.date.isoformat(),
            y=1.02,
            yref="paper",
            showarrow=False,
            text=f"{ch.date}: {ch.instrument}",
            textangle=-60,
            font={"size": 9},
        )
    fig.update_layout(title=_title(t), barmode="overlay", xaxis={"type": "date"})
    fig.write_html(path, include_plotlyjs=True, full_html=True)
