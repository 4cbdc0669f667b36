"""Pictures of a scenario result: a Sankey of flows and a bar chart of
shortfalls. PNG with matplotlib (Agg backend), HTML with plotly (its
JavaScript inlined: no network). Imported only when a plot is asked for;
the pure core never imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _year(result: dict[str, Any]) -> dict[str, Any]:
    return dict(result["years"][-1])


def _links(y: dict[str, Any], min_share: float = 0.002) -> list[tuple[str, str, float]]:
    total = max(sum(f["value"] for f in y["flows"]), 1e-12)
    out = []
    for f in y["flows"]:
        if f["value"] / total >= min_share:
            out.append(
                (f"{f['from']} {f['from_stage']}", f"{f['to']} {f['to_stage']}", float(f["value"]))
            )
    return out


def write(result: dict[str, Any], path: Path) -> None:
    if path.suffix.lower() == ".html":
        _html(result, path)
    else:
        _png(result, path)


def _html(result: dict[str, Any], path: Path) -> None:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    y = _year(result)
    links = _links(y)
    labels = sorted({a for a, _, _ in links} | {b for _, b, _ in links})
    ix = {lab: k for k, lab in enumerate(labels)}
    fig = make_subplots(
        rows=2,
        cols=1,
        specs=[[{"type": "sankey"}], [{"type": "bar"}]],
        row_heights=[0.7, 0.3],
        subplot_titles=(f"Flows {y['year']} ({result['unit']})", "Shortfall by country"),
    )
    fig.add_trace(
        go.Sankey(
            node={"label": labels},
            link={
                "source": [ix[a] for a, _, _ in links],
                "target": [ix[b] for _, b, _ in links],
                "value": [v for _, _, v in links],
            },
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=[c["country"] for c in y["countries"]], y=[c["shortfall"] for c in y["countries"]]
        ),
        row=2,
        col=1,
    )
    fig.update_layout(title=result["scenario"], height=900, showlegend=False)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)


def _png(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    y = _year(result)
    stages: list[str] = list(result["stages"])
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(14, 6), gridspec_kw={"width_ratios": [3, 1.2]})
    # Sankey-style layered flow diagram: one column per stage, band width ~ flow.
    nodes: dict[tuple[str, str], float] = {}
    for f in y["flows"]:
        nodes[(f["from"], f["from_stage"])] = (
            nodes.get((f["from"], f["from_stage"]), 0.0) + f["value"]
        )
        nodes[(f["to"], f["to_stage"])] = max(nodes.get((f["to"], f["to_stage"]), 0.0), 0.0)
    for f in y["flows"]:
        key = (f["to"], f["to_stage"])
        nodes[key] = nodes.get(key, 0.0)
    inflow: dict[tuple[str, str], float] = {}
    for f in y["flows"]:
        inflow[(f["to"], f["to_stage"])] = inflow.get((f["to"], f["to_stage"]), 0.0) + f["value"]
    size = {k: max(nodes.get(k, 0.0), inflow.get(k, 0.0)) for k in set(nodes) | set(inflow)}
    total = max(max((v for v in size.values()), default=1.0), 1e-12)
    col = {s: k for k, s in enumerate(stages)}
    pos: dict[tuple[str, str], float] = {}
    for s in stages:
        keys = sorted([k for k in size if k[1] == s], key=lambda k: -size[k])
        yy = 0.0
        for k in keys:
            h = size[k] / total * 0.8
            pos[k] = yy + h / 2
            ax.add_patch(Rectangle((col[s] - 0.05, yy), 0.1, h, color="0.3"))
            if h > 0.02:
                ax.text(col[s] + 0.07, yy + h / 2, k[0], va="center", fontsize=7)
            yy += h + 0.02
    top = sum(f["value"] for f in y["flows"]) or 1.0
    for f in y["flows"]:
        a, b = (f["from"], f["from_stage"]), (f["to"], f["to_stage"])
        if a in pos and b in pos and f["value"] / top > 0.001:
            ax.plot(
                [col[a[1]] + 0.05, col[b[1]] - 0.05],
                [pos[a], pos[b]],
                color="tab:red" if f["from"] == "CN" else "tab:blue",
                alpha=0.35,
                linewidth=max(0.3, 25 * f["value"] / total),
            )
    ax.set_xticks(range(len(stages)), stages)
    ax.set_yticks([])
    ax.set_xlim(-0.3, len(stages) - 0.4)
    ax.set_title(f"{result['scenario']}: flows {y['year']} ({result['unit']}; red = from China)")
    names = [c["country"] for c in y["countries"]]
    bx.bar(names, [c["shortfall"] for c in y["countries"]], color="tab:orange")
    bx.set_title("Shortfall by country")
    bx.tick_params(axis="x", rotation=90)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
