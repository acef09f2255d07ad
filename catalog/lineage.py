"""Layered layout and Plotly figure for a lineage graph (pure apart from plotly).

Generations run left to right (ancestors left of the model, descendants right); models in a
generation are spread vertically in name order. Edge kinds get their own colour and dash so
fine-tunes, merges, MoE experts, quantizations and adapters read apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

KIND_STYLE = {
    "finetune": ("#4f6bed", "solid", "fine-tune"),
    "merge": ("#e8590c", "solid", "merge"),
    "moe_expert": ("#9c36b5", "dot", "MoE expert"),
    "quantized": ("#2f9e44", "dash", "quantization"),
    "adapter": ("#1098ad", "dashdot", "adapter"),
}


@dataclass(frozen=True)
class Node:
    id: int
    label: str
    depth: int
    license: str
    is_root: bool = False


@dataclass(frozen=True)
class Edge:
    parent: int
    child: int
    kind: str
    detail: str = ""


def layout(nodes: list[Node]) -> dict[int, tuple[float, float]]:
    by_depth: dict[int, list[Node]] = {}
    for node in nodes:
        by_depth.setdefault(node.depth, []).append(node)
    positions = {}
    for depth, members in by_depth.items():
        members.sort(key=lambda n: n.label.lower())
        count = len(members)
        for index, node in enumerate(members):
            positions[node.id] = (float(depth), (count - 1) / 2 - index)
    return positions


def figure(nodes: list[Node], edges: list[Edge], *, title: str) -> dict:
    pos = layout(nodes)
    fig = go.Figure()
    for kind, (color, dash, label) in KIND_STYLE.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        mids_x, mids_y, mids_text = [], [], []
        for edge in edges:
            if edge.kind != kind or edge.parent not in pos or edge.child not in pos:
                continue
            (x0, y0), (x1, y1) = pos[edge.parent], pos[edge.child]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
            mids_x.append((x0 + x1) / 2)
            mids_y.append((y0 + y1) / 2)
            mids_text.append(f"{label}{': ' + edge.detail if edge.detail else ''}")
        if not mids_x:
            continue
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=label, hoverinfo="skip",
                                 line=dict(color=color, dash=dash, width=2)))
        fig.add_trace(go.Scatter(x=mids_x, y=mids_y, mode="markers", showlegend=False, text=mids_text,
                                 marker=dict(size=7, color=color, symbol="diamond"),
                                 hovertemplate="%{text}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[pos[n.id][0] for n in nodes], y=[pos[n.id][1] for n in nodes], mode="markers+text", name="models",
        text=[n.label.split("/")[-1] for n in nodes], textposition="top center",
        customdata=[[n.label, n.license or "unknown license"] for n in nodes],
        hovertemplate="%{customdata[0]}<br>license: %{customdata[1]}<extra></extra>",
        marker=dict(size=[18 if n.is_root else 11 for n in nodes],
                    color=["#e03131" if n.is_root else "#868e96" for n in nodes], line=dict(width=1, color="#fff")),
    ))
    fig.update_xaxes(title="generation (ancestors ← model → descendants)", zeroline=False, dtick=1)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=dict(text=title, x=0.01), height=max(420, 60 * _widest(nodes)),
                      margin=dict(l=30, r=30, t=50, b=50), legend=dict(orientation="h", y=-0.15),
                      font=dict(family="system-ui, sans-serif", size=12))
    return fig.to_plotly_json()


def _widest(nodes: list[Node]) -> int:
    counts: dict[int, int] = {}
    for node in nodes:
        counts[node.depth] = counts.get(node.depth, 0) + 1
    return max(counts.values(), default=1)
