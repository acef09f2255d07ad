"""Layered layout and Plotly figure for a lineage graph. Pure: no Django, only plotly.

Generations run left to right: ancestors left of the model (negative depth), descendants
right of it. Within a generation, models are ordered by the mean position of the models
they connect to in the generation nearer the root (the barycentre heuristic), which keeps
most edges from crossing; ties fall back to name order so the drawing is deterministic.
Each edge kind has its own colour and dash (merges also split by merge method in the
legend), so fine-tunes, merges, MoE experts, quantizations and adapters read apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

# kind -> (colour, dash, legend label); the CSS badge colours (.edge-*) match these.
KIND_STYLE: dict[str, tuple[str, str, str]] = {
    "finetune": ("#4553d6", "solid", "fine-tune"),
    "merge": ("#d9480f", "solid", "merge"),
    "moe_expert": ("#9c36b5", "dot", "MoE expert"),
    "quantized": ("#2b8a3e", "dash", "quantization"),
    "adapter": ("#0b7285", "dashdot", "adapter"),
}
UNKNOWN_STYLE = ("#868e96", "longdash", "other")
ROOT_COLOR = "#e03131"
NODE_COLOR = "#5b6675"
MAX_LABEL = 28


@dataclass(frozen=True)
class Node:
    id: int
    label: str  # the repo id
    depth: int  # 0 = the model, <0 ancestors, >0 descendants
    license: str = ""
    is_root: bool = False
    is_stub: bool = False
    params_b: float | None = None


@dataclass(frozen=True)
class Edge:
    parent: int
    child: int
    kind: str
    method: str = ""  # merge method (ties, slerp, moe ...) when known
    detail: str = ""  # weight, density, role ... for the hover text


def layout(nodes: list[Node], edges: list[Edge]) -> dict[int, tuple[float, float]]:
    """Positions (x = generation, y = slot) for every node; generations are centred on y = 0."""
    by_depth: dict[int, list[Node]] = {}
    for node in nodes:
        by_depth.setdefault(node.depth, []).append(node)
    neighbours: dict[int, set[int]] = {node.id: set() for node in nodes}
    for edge in edges:
        if edge.parent in neighbours and edge.child in neighbours:
            neighbours[edge.parent].add(edge.child)
            neighbours[edge.child].add(edge.parent)
    positions: dict[int, tuple[float, float]] = {}

    def place(depth: int, inner: int | None) -> None:
        members = by_depth.get(depth, [])

        def key(node: Node) -> tuple[float, str]:
            if inner is not None:
                ys = [positions[n][1] for n in neighbours[node.id] if n in positions and positions[n][0] == inner]
                if ys:
                    return (-sum(ys) / len(ys), node.label.lower())
            return (0.0, node.label.lower())

        members.sort(key=key)
        count = len(members)
        for index, node in enumerate(members):
            positions[node.id] = (float(depth), (count - 1) / 2 - index)

    place(0, None)
    for depth in sorted((d for d in by_depth if d > 0)):
        place(depth, depth - 1)
    for depth in sorted((d for d in by_depth if d < 0), reverse=True):
        place(depth, depth + 1)
    return positions


def _short(label: str) -> str:
    name = label.split("/")[-1]
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "…"


def _style(edge: Edge) -> tuple[str, str, str, str]:
    """(legend group key, colour, dash, legend label) for an edge."""
    color, dash, label = KIND_STYLE.get(edge.kind, UNKNOWN_STYLE)
    if edge.kind == "merge" and edge.method:
        return f"merge:{edge.method}", color, dash, f"merge ({edge.method})"
    return edge.kind, color, dash, label


def figure(nodes: list[Node], edges: list[Edge], *, title: str = "") -> str:
    """The lineage graph as a Plotly figure, serialised with ``fig.to_json()``.

    Pages that already head the chart with the model's name pass no title."""
    pos = layout(nodes, edges)
    fig = go.Figure()
    groups: dict[str, tuple[str, str, str, list[Edge]]] = {}
    for edge in edges:
        if edge.parent not in pos or edge.child not in pos:
            continue
        key, color, dash, label = _style(edge)
        groups.setdefault(key, (color, dash, label, []))[3].append(edge)
    merge_shades = ["#d9480f", "#f08c00", "#c2255c", "#e8590c", "#a61e4d"]
    merge_index = 0
    for key in sorted(groups, key=lambda k: (list(KIND_STYLE).index(k.split(":")[0]) if k.split(":")[0] in KIND_STYLE else 99, k)):
        color, dash, label, members = groups[key]
        if key.startswith("merge:"):
            # Several merge methods in one tree: vary the shade so the legend tells them apart.
            color = merge_shades[merge_index % len(merge_shades)]
            merge_index += 1
        xs: list[float | None] = []
        ys: list[float | None] = []
        mid_x: list[float] = []
        mid_y: list[float] = []
        hover: list[str] = []
        names = {n.id: n.label for n in nodes}
        for edge in members:
            (x0, y0), (x1, y1) = pos[edge.parent], pos[edge.child]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
            mid_x.append((x0 + x1) / 2)
            mid_y.append((y0 + y1) / 2)
            detail = f"<br>{edge.detail}" if edge.detail else ""
            hover.append(f"{names[edge.child]}<br>← {label} of {names[edge.parent]}{detail}")
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", name=label, legendgroup=key, hoverinfo="skip",
            line=dict(color=color, dash=dash, width=2.2),
        ))
        fig.add_trace(go.Scatter(
            x=mid_x, y=mid_y, mode="markers", name=label, legendgroup=key, showlegend=False, text=hover,
            marker=dict(size=8, color=color, symbol="diamond"), hovertemplate="%{text}<extra></extra>",
        ))
    ordered = sorted(nodes, key=lambda n: (pos[n.id][0], -pos[n.id][1]))
    fig.add_trace(go.Scatter(
        x=[pos[n.id][0] for n in ordered], y=[pos[n.id][1] for n in ordered], mode="markers+text", name="models",
        showlegend=False, text=[_short(n.label) for n in ordered],
        textposition=["top center" if i % 2 == 0 else "bottom center" for i, _ in enumerate(ordered)],
        customdata=[[n.label, n.license or "not stated", _params(n.params_b),
                     " (known only by reference)" if n.is_stub else ""] for n in ordered],
        hovertemplate=("<b>%{customdata[0]}</b>%{customdata[3]}<br>license: %{customdata[1]}"
                       "<br>parameters: %{customdata[2]}<extra></extra>"),
        marker=dict(
            size=[20 if n.is_root else 12 for n in ordered],
            color=[ROOT_COLOR if n.is_root else ("rgba(0,0,0,0)" if n.is_stub else NODE_COLOR) for n in ordered],
            line=dict(width=2, color=[ROOT_COLOR if n.is_root else NODE_COLOR for n in ordered]),
        ),
    ))
    depths = sorted({n.depth for n in nodes}) or [0]
    fig.update_xaxes(
        title=dict(text="generation: ancestors ← model → descendants"), zeroline=False, showgrid=False,
        tickmode="array", tickvals=depths, ticktext=[_generation(d) for d in depths],
        range=[depths[0] - 0.6, depths[-1] + 0.6],
    )
    fig.update_yaxes(visible=False, range=[-(_widest(nodes) / 2) - 0.3, _widest(nodes) / 2 + 0.3])
    fig.update_layout(
        title=dict(text=title, x=0.01), height=max(440, 70 * _widest(nodes) + 140),
        margin=dict(l=30, r=30, t=70 if title else 40, b=60),
        legend=dict(orientation="h", x=0, y=1.0, xanchor="left", yanchor="bottom"),
        hovermode="closest", font=dict(family="system-ui, sans-serif", size=12), dragmode="pan",
    )
    return fig.to_json()


def _generation(depth: int) -> str:
    if depth == 0:
        return "model"
    if depth < 0:
        return "parents" if depth == -1 else f"{-depth} up"
    return "children" if depth == 1 else f"{depth} down"


def _params(value: float | None) -> str:
    return "not stated" if value is None else f"{value:g}B"


def _widest(nodes: list[Node]) -> int:
    counts: dict[int, int] = {}
    for node in nodes:
        counts[node.depth] = counts.get(node.depth, 0) + 1
    return max(counts.values(), default=1)


def ancestor_path(edges: list[tuple[int, int]], start: int, goal: int) -> list[int] | None:
    """Shortest chain ``start -> parent -> ... -> goal`` through ``(child, parent)`` pairs, or None.

    Used to explain a refused edge: adding ``goal`` as a child of ``start`` closes a cycle
    exactly when ``goal`` is already among ``start``'s ancestors, and the chain is what the
    curator needs to see to fix the wrong edge.
    """
    if start == goal:
        return [start]
    parents: dict[int, list[int]] = {}
    for child, parent in edges:
        parents.setdefault(child, []).append(parent)
    came_from: dict[int, int] = {start: start}
    frontier = [start]
    while frontier:
        following: list[int] = []
        for node in frontier:
            for parent in sorted(parents.get(node, ())):
                if parent in came_from:
                    continue
                came_from[parent] = node
                if parent == goal:
                    chain = [goal]
                    while chain[-1] != start:
                        chain.append(came_from[chain[-1]])
                    return chain[::-1]
                following.append(parent)
        frontier = following
    return None
