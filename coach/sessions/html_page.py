"""Building blocks of coach's self-contained HTML pages: escaping, the page shell, SVG charts.

Every page carries its CSS and JavaScript inline (from ``coach/sessions/assets``) and a
Content-Security-Policy that allows nothing but local files and data: URIs, so a page
opened from disk never touches the network. Charts are inline SVG drawn here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-_])")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
PALETTE = (
    "#1f6fb2",
    "#c0392b",
    "#2e8b57",
    "#8e44ad",
    "#d35400",
    "#138d90",
    "#7d5a3c",
    "#c2185b",
    "#546e7a",
    "#9e9d24",
    "#303f9f",
    "#00897b",
)
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; media-src file: data: blob:"
)


def esc(text: object) -> str:
    """``text`` safe inside HTML: terminal escape codes and control characters dropped."""
    clean = CONTROL.sub("", ANSI.sub("", str(text)))
    return html.escape(clean, quote=True)


@cache
def asset(name: str) -> str:
    return resources.files("coach.sessions").joinpath("assets", name).read_text(encoding="utf-8")


def page(title: str, body: str, script: str | None = None) -> str:
    """A whole HTML document with the shared CSS and, optionally, one script inlined."""
    scripts = f"<script>\n{asset(script)}</script>\n" if script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{esc(title)}</title>\n<style>\n{asset('page.css')}</style>\n"
        f"{scripts}</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def colours(criterion_ids: Sequence[str]) -> dict[str, str]:
    """A colour per criterion, stable for a given list of ids."""
    return {cid: PALETTE[i % len(PALETTE)] for i, cid in enumerate(criterion_ids)}


# charts


@dataclass(frozen=True)
class Band:
    """A shaded range of a chart's y axis, e.g. the comfortable pace."""

    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Chart:
    """One line chart: values in order, with their x labels and the y range to show."""

    title: str
    values: Sequence[float]
    labels: Sequence[str]
    y_max: float
    y_min: float = 0.0
    colour: str = PALETTE[0]
    band: Band | None = None
    rules: Sequence[tuple[float, str]] = ()
    """Horizontal reference lines (value, label), e.g. the bar at each level."""
    unit: str = ""
    width: int = 440
    height: int = 170


LEFT, RIGHT, TOP, BOTTOM = 38, 12, 10, 24


def _y(chart: Chart, value: float) -> float:
    span = (chart.y_max - chart.y_min) or 1.0
    inner = chart.height - TOP - BOTTOM
    clipped = min(max(value, chart.y_min), chart.y_max)
    return round(TOP + inner * (1 - (clipped - chart.y_min) / span), 1)


def _x(chart: Chart, index: int) -> float:
    inner = chart.width - LEFT - RIGHT
    count = len(chart.values)
    return round(LEFT + (inner / 2 if count < 2 else inner * index / (count - 1)), 1)


def _ticks(chart: Chart) -> list[float]:
    span = chart.y_max - chart.y_min
    if span <= 4 and float(span).is_integer():
        return [chart.y_min + i for i in range(int(span) + 1)]
    return [chart.y_min + span * i / 4 for i in range(5)]


def line_chart(chart: Chart) -> str:
    """``chart`` as an inline SVG line chart with its band, reference lines and points."""
    parts = [
        f'<svg class="line-chart" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-label="{esc(chart.title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{esc(chart.title)}</title>",
    ]
    right = chart.width - RIGHT
    if chart.band:
        top, bottom = _y(chart, chart.band.high), _y(chart, chart.band.low)
        parts.append(
            f'<rect class="band" x="{LEFT}" y="{top}" width="{right - LEFT}" '
            f'height="{round(bottom - top, 1)}" fill="#e3f2e5"><title>{esc(chart.band.label)}'
            "</title></rect>"
        )
    for tick in _ticks(chart):
        y = _y(chart, tick)
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}" stroke="#e6e9ef"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{tick:g}</text>')
    for value, label in chart.rules:
        y = _y(chart, value)
        parts.append(
            f'<line class="rule" x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}" stroke="#5d6677" '
            f'stroke-dasharray="4 3"/><text x="{right}" y="{y - 3}" text-anchor="end">'
            f"{esc(label)}</text>"
        )
    points = [(_x(chart, i), _y(chart, v)) for i, v in enumerate(chart.values)]
    if len(points) > 1:
        path = " ".join(f"{x},{y}" for x, y in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{chart.colour}" stroke-width="2"/>'
        )
    for (x, y), value, label in zip(points, chart.values, chart.labels, strict=True):
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="3.5" fill="{chart.colour}"><title>{esc(label)}: '
            f"{value:g}{esc(chart.unit)}</title></circle>"
        )
    if chart.labels:
        parts.append(_x_labels(chart))
    parts.append("</svg>")
    return "".join(parts)


def _x_labels(chart: Chart) -> str:
    y = chart.height - 6
    first, last = chart.labels[0], chart.labels[-1]
    if len(chart.labels) == 1:
        return f'<text x="{_x(chart, 0)}" y="{y}" text-anchor="middle">{esc(first)}</text>'
    end = len(chart.labels) - 1
    return (
        f'<text x="{_x(chart, 0)}" y="{y}" text-anchor="start">{esc(first)}</text>'
        f'<text x="{_x(chart, end)}" y="{y}" text-anchor="end">{esc(last)}</text>'
    )


def gauge(value: float, band: Band, top: float, colour: str, unit: str = "") -> str:
    """A small horizontal scale from 0 to ``top`` with ``band`` shaded and ``value`` marked."""
    width, height, pad = 220, 26, 4

    def x(v: float) -> float:
        return round(pad + (width - 2 * pad) * min(max(v, 0.0), top) / (top or 1.0), 1)

    return (
        f'<svg class="gauge" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{value:g}{esc(unit)} against {esc(band.label)}" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<rect x="{pad}" y="8" width="{width - 2 * pad}" height="8" rx="4" fill="#e6e9ef"/>'
        f'<rect x="{x(band.low)}" y="8" width="{round(x(band.high) - x(band.low), 1)}" '
        f'height="8" fill="#a5d6a7"><title>{esc(band.label)}</title></rect>'
        f'<circle cx="{x(value)}" cy="12" r="6" fill="{colour}" stroke="#fff" stroke-width="2">'
        f"<title>{value:g}{esc(unit)}</title></circle></svg>"
    )
