"""Page extension points: other apps add sections to catalog pages without catalog importing them.

``evals`` registers the scores section of the model page and the leaderboard
highlights of the home page; ``hardware`` registers the hardware-fit section.
Each provider returns ``None`` (nothing to show) or a :class:`Panel`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from django.http import HttpRequest


@dataclass
class Panel:
    key: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelProvider = Callable[..., "Panel | None"]
_providers: dict[str, list[tuple[int, PanelProvider]]] = {"model": [], "home": []}


def register(page: str, order: int = 100) -> Callable[[PanelProvider], PanelProvider]:
    def decorator(provider: PanelProvider) -> PanelProvider:
        _providers[page].append((order, provider))
        _providers[page].sort(key=lambda item: item[0])
        return provider

    return decorator


def panels_for(page: str, request: HttpRequest, **kwargs: Any) -> list[Panel]:
    result = []
    for _order, provider in _providers[page]:
        panel = provider(request, **kwargs)
        if panel is not None:
            result.append(panel)
    return result
