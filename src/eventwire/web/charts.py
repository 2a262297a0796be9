"""Server-side SVG bar charts for monthly series (dyad Goldstein sums, actor activity).

Plain SVG built here instead of a JavaScript charting library: the page stays static,
works without scripts under a strict CSP, and the test suite can read the numbers back.
Colours come from CSS classes (``s0``, ``s1`` … in static/style.css). Labels are escaped.
"""
from __future__ import annotations

import math
import re
from typing import Sequence

from markupsafe import Markup, escape

MONTH = re.compile(r"^\d{4}-\d{2}$")
MAX_MONTHS = 240  # a longer span is cut to its last 20 years


def continuous_months(months: Sequence[str]) -> list[str]:
    """Every month from the first to the last of ``months`` (gaps filled, junk dropped)."""
    valid = sorted(m for m in months if m and MONTH.match(m))
    if not valid:
        return []
    y, m = map(int, valid[0].split("-"))
    ly, lm = map(int, valid[-1].split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out[-MAX_MONTHS:]


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    raw = (hi - lo) / max(1, count - 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    first = math.floor(lo / step) * step
    ticks, v = [], first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 6))
        v += step
    return ticks


def bar_chart_svg(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
                  title: str, y_label: str, width: int = 760, height: int = 260) -> Markup:
    """Grouped bars, one group per label, one bar per series; negative values hang below 0."""
    left, right, top, bottom = 52, 12, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs]
    vmin, vmax = min([0.0, *values]), max([0.0, *values])
    if vmax == vmin:
        vmax = vmin + 1.0
    ticks = _ticks(vmin, vmax)
    vmin, vmax = min(vmin, ticks[0]), max(vmax, ticks[-1])

    def y(v: float) -> float:
        return top + (vmax - v) / (vmax - vmin) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
             f'<title>{escape(title)}</title>']
    for t in ticks:
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(t):.1f}" '
                     f'y2="{y(t):.1f}"/><text class="tick" x="{left - 6}" y="{y(t) + 4:.1f}" '
                     f'text-anchor="end">{t:g}</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>')
    parts.append(f'<text class="tick" x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
                 f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(y_label)}</text>')
    n = max(1, len(labels))
    group = plot_w / n
    bar = min(group * 0.8 / max(1, len(series)), 36.0)
    pad = (group - bar * max(1, len(series))) / 2
    every = max(1, math.ceil(n / 12))
    for i, label in enumerate(labels):
        x0 = left + i * group + pad
        for k, (name, vs) in enumerate(series):
            v = float(vs[i])
            y1, y2 = sorted((y(v), y(0)))
            parts.append(f'<rect class="bar s{k}" x="{x0 + k * bar:.1f}" y="{y1:.1f}" '
                         f'width="{max(bar - 1, 1):.1f}" height="{max(y2 - y1, 0.5):.1f}" '
                         f'data-label="{escape(label)}" data-series="{escape(name)}" data-value="{v:g}">'
                         f'<title>{escape(label)} · {escape(name)}: {v:g}</title></rect>')
        if i % every == 0:
            parts.append(f'<text class="tick" x="{left + (i + 0.5) * group:.1f}" '
                         f'y="{height - bottom + 16}" text-anchor="middle">{escape(label)}</text>')
    for k, (name, _) in enumerate(series):
        lx = left + k * 170
        parts.append(f'<rect class="bar s{k}" x="{lx}" y="6" width="12" height="12"/>'
                     f'<text class="legend" x="{lx + 16}" y="16">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
