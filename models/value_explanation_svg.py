"""A waterfall chart as inline SVG: totals as full bars, each driver as a step up or down between them."""
from markupsafe import Markup, escape

BAR, GAP, HEIGHT, TOP, BOTTOM = 56, 14, 220, 16, 70
COLORS = {"total": "#4c6fa5", "up": "#3f9c5a", "down": "#c0504d"}


def waterfall_svg(steps, currency_format=lambda amount: f"{amount:,.2f}"):
    """SVG markup for ``steps``: a list of (label, amount, is_total).

    A total bar stands on zero with the amount as its height; a step starts where the running
    total stands and adds its amount. Empty or all-zero input gives an empty string.
    """
    if not steps or not any(amount for _label, amount, _total in steps):
        return Markup("")
    running, bars = 0.0, []
    for label, amount, is_total in steps:
        if is_total:
            low, high, running, kind = min(0.0, amount), max(0.0, amount), amount, "total"
        else:
            start, running = running, running + amount
            low, high, kind = min(start, running), max(start, running), "up" if amount >= 0 else "down"
        bars.append((label, amount, low, high, kind))
    lowest = min(0.0, *(bar[2] for bar in bars))
    highest = max(0.0, *(bar[3] for bar in bars))
    span = (highest - lowest) or 1.0

    def y(value):
        return TOP + (highest - value) / span * HEIGHT

    width = len(bars) * (BAR + GAP) + GAP
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{TOP + HEIGHT + BOTTOM}" '
             f'viewBox="0 0 {width} {TOP + HEIGHT + BOTTOM}" role="img" style="font: 11px sans-serif">',
             f'<line x1="0" x2="{width}" y1="{y(0.0):.1f}" y2="{y(0.0):.1f}" stroke="#999"/>']
    for index, (label, amount, low, high, kind) in enumerate(bars):
        x = GAP + index * (BAR + GAP)
        top, bar_height = y(high), max(y(low) - y(high), 1.0)
        parts.append(f'<rect x="{x}" y="{top:.1f}" width="{BAR}" height="{bar_height:.1f}" '
                     f'fill="{COLORS[kind]}"><title>{escape(label)}: {escape(currency_format(amount))}</title></rect>')
        parts.append(f'<text x="{x + BAR / 2}" y="{max(top - 3, 10):.1f}" text-anchor="middle">'
                     f'{escape(currency_format(amount))}</text>')
        parts.append(f'<text x="{x + BAR / 2}" y="{TOP + HEIGHT + 14}" text-anchor="end" '
                     f'transform="rotate(-35 {x + BAR / 2} {TOP + HEIGHT + 14})">{escape(label[:28])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
