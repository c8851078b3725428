"""The power-curve figure of docs/statistics.md, computed with the kit's own code.

For every p the unbiasedness check (`train.unbiased`) tests, this takes the kit's design
(``dropout_conformance.statistics.design(p)``: sample size n and rejection region) and plots the
exact probability that the check fails a layer whose true keep rate is 1-p+delta
(``_reject_prob``), for delta from -0.01 to 0.01. It writes a plain SVG (no plotting library),
so the figure is rebuilt from the code on every site build and cannot drift from it.

``python docs/gen/power_curve.py OUT.svg`` writes the figure; the mkdocs hook builds it into the site.
"""

from __future__ import annotations

import sys
from html import escape

W, H = 760, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 200, 50, 60
SPAN = 0.01  # delta in [-SPAN, SPAN]
STEPS = 160
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def curves() -> list[tuple[float, object, list[tuple[float, float]]]]:
    """(p, design, [(delta, rejection probability)]) for each tested p; checks the design's own figures."""
    from dropout_conformance.statistics import DELTA, POWER, UNBIASED_P, _reject_prob, design

    out = []
    for p in UNBIASED_P:
        d = design(p)
        points = []
        for i in range(STEPS + 1):
            delta = -SPAN + 2 * SPAN * i / STEPS
            q = d.rate + delta
            if 0.0 < q < 1.0:
                points.append((delta, _reject_prob(d.n, q, d.lower, d.upper)))
        at = {s: _reject_prob(d.n, d.rate + s * DELTA, d.lower, d.upper) for s in (-1, 1)}
        # the figure must show what the design promises; if not, the build fails rather than mislead
        assert min(at.values()) >= POWER, (p, at)
        assert _reject_prob(d.n, d.rate, d.lower, d.upper) == d.size
        out.append((p, d, points))
    return out


def svg() -> str:
    from dropout_conformance.statistics import ALPHA, DELTA, POWER

    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(delta: float) -> float:
        return LEFT + (delta + SPAN) / (2 * SPAN) * pw

    def y(prob: float) -> float:
        return TOP + (1 - prob) * ph

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
        'font-family="sans-serif" font-size="12">',
        "<title>Power of the train.unbiased check against the true keep rate</title>",
        f'<rect x="0" y="0" width="{W}" height="{H}" fill="white"/>',
        f'<text x="{LEFT}" y="24" font-size="15">train.unbiased: probability that the check fails the layer</text>',
    ]
    for i in range(5):  # grid and y ticks
        prob = i / 4
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{y(prob):.1f}" y2="{y(prob):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y(prob) + 4:.1f}" text-anchor="end">{prob:g}</text>')
    for i in range(5):  # x ticks
        delta = -SPAN + i * SPAN / 2
        parts.append(f'<line x1="{x(delta):.1f}" x2="{x(delta):.1f}" y1="{TOP}" y2="{TOP + ph}" stroke="#ddd"/>')
        parts.append(f'<text x="{x(delta):.1f}" y="{TOP + ph + 18}" text-anchor="middle">{f"{delta:+g}" if delta else "0"}</text>')
    parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    for s in (-1, 1):
        parts.append(f'<line x1="{x(s * DELTA):.1f}" x2="{x(s * DELTA):.1f}" y1="{TOP}" y2="{TOP + ph}" '
                     'stroke="#555" stroke-dasharray="5,4"/>')
    target = y(POWER)
    parts.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{target:.1f}" y2="{target:.1f}" stroke="#555" stroke-dasharray="2,3"/>')
    parts.append(f'<text x="{x(0):.1f}" y="{target + 16:.1f}" text-anchor="middle" fill="#555">'
                 f"power target {POWER:g} at delta = ±{DELTA:g}</text>")
    parts.append(f'<text x="{LEFT + pw / 2:.1f}" y="{H - 16}" text-anchor="middle">'
                 "delta: true keep rate minus 1-p</text>")
    parts.append(f'<text transform="translate(18 {TOP + ph / 2:.1f}) rotate(-90)" text-anchor="middle">'
                 "probability of failing the check</text>")
    for k, (p, d, points) in enumerate(curves()):
        colour = COLOURS[k % len(COLOURS)]
        path = " ".join(f"{x(dx):.1f},{y(py):.2f}" for dx, py in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        ly = TOP + 14 + 36 * k
        parts.append(f'<line x1="{LEFT + pw + 14}" x2="{LEFT + pw + 38}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{LEFT + pw + 44}" y="{ly + 4}">{escape(f"p = {p:g}")}</text>')
        parts.append(f'<text x="{LEFT + pw + 44}" y="{ly + 19}" fill="#555">n = {d.n:,}</text>')
    parts.append(f'<text x="{LEFT + pw + 14}" y="{TOP + ph - 4}" fill="#555">at delta = 0: at most {ALPHA:g}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python docs/gen/power_curve.py OUT.svg")
    with open(sys.argv[1], "w", encoding="utf-8") as fh:
        fh.write(svg())
