"""Charts as inline SVG (no script, no library): drawn the same on screen and in PDFs, with the
portal's CJK font named so that WeasyPrint embeds it."""

from __future__ import annotations

from markupsafe import Markup, escape


def bar_chart(
    rows: list[tuple[str, float | None]],
    title: str,
    *,
    unit: str = "",
    scale: float | None = None,
    target: float | None = None,
    color: str = "#1d5fbf",
    mark: str = "#b42318",
    width: int = 560,
) -> Markup:
    """A horizontal bar chart as inline SVG (no script): one bar per (label, value)."""
    label_w, value_w, bar_h, gap, top = 150, 70, 20, 10, 34
    plot_w = width - label_w - value_w
    height = top + len(rows) * (bar_h + gap) + (18 if target is not None else 4)
    biggest = max([v or 0 for _, v in rows] + [target or 0, 1])
    scale = scale or biggest
    font = 'font-family="Portal Sans SC, Noto Sans CJK SC, sans-serif"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}" {font}>',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="700" fill="#111">{escape(title)}</text>',
    ]
    for index, (name, value) in enumerate(rows):
        y = top + index * (bar_h + gap)
        w = plot_w * (value or 0) / scale
        text = "无数据" if value is None else f"{value:g}{unit}" if unit != "%" else f"{value:.1f}%"
        parts += [
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="13" text-anchor="end" fill="#111">'
            f"{escape(name)}</text>",
            f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#eef1f5"/>',
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>',
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="13" fill="#111">'
            f"{escape(text)}</text>",
        ]
    if target is not None:
        x = label_w + plot_w * target / scale
        bottom = top + len(rows) * (bar_h + gap)
        parts += [
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{bottom}" stroke="{mark}" '
            f'stroke-width="1.5" stroke-dasharray="4 3"/>',
            f'<text x="{x:.1f}" y="{bottom + 14}" font-size="12" text-anchor="middle" '
            f'fill="{mark}">目标 {target:g}{unit}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))
