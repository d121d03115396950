"""PNG pictures of the dashboard's charts, drawn on the server for the annual report (.docx).

Drawn from the same chart specification as the page's ECharts chart and its table
(``charts.build``), so the picture, the table under it and the page show the same numbers.
matplotlib's Agg canvas is used directly (no pyplot: no global figure state, no display).

Chinese labels need a CJK font. One is looked up once per process: a known family among the
fonts matplotlib knows, else any font fontconfig (``fc-list :lang=zh``) names. Without one the
labels fall back to what renders in the default font (years, quarters, indicator keys), and a
failure to draw gives no picture (the table still follows) — the report never fails for it.
"""

import functools
import hashlib
import json
import logging
import math
import re
import shutil
import subprocess
from io import BytesIO

logger = logging.getLogger(__name__)

COLORS = ["#b22222", "#d9822b", "#2f6db5", "#6c757d", "#198754", "#6f42c1"]  # as dashboards.js
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
)
WIDTH_IN, HEIGHT_IN, DPI = 6.3, 2.8, 150
# Drawing takes ~0.2 s of CPU per chart; the same numbers give the same picture, so pictures are
# cached by their specification (snapshots change at most nightly).
CACHE_SECONDS = 24 * 3600
VERSION = 1  # bump when the drawing changes


@functools.cache
def cjk_family():
    """The family name of a font with Chinese glyphs, or None (looked up once per process)."""
    try:
        from matplotlib import font_manager
    except ImportError:  # pragma: no cover - matplotlib is a requirement
        return None
    manager = font_manager.fontManager
    known = {font.name for font in manager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return None
    try:
        listing = subprocess.run(
            [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in sorted(listing.splitlines()):
        path = line.split(":", 1)[0].strip()
        if not path.lower().endswith((".ttf", ".otf", ".ttc")):
            continue
        try:
            manager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
    return None


def _label(text, fallback, cjk):
    """``text`` when a CJK font is there; else its printable ASCII part, or ``fallback``."""
    text = str(text)
    if cjk:
        return text
    plain = re.sub(r"[^\x20-\x7e]", "", text).strip()
    return plain or str(fallback)


def render(chart):
    """PNG bytes of one chart specification (``charts._spec``); None for an empty chart or when
    drawing fails."""
    if chart["empty"]:
        return None
    from django.core.cache import cache

    cjk = cjk_family()
    spec = json.dumps([VERSION, cjk, chart], sort_keys=True, ensure_ascii=False, default=str)
    key = "dashboards:chart-png:" + hashlib.sha256(spec.encode()).hexdigest()
    png = cache.get(key)
    if png is not None:
        return png
    try:
        png = _draw(chart, cjk)
    except Exception:  # a picture is optional: the table after it carries the numbers
        logger.exception("chart image %s could not be drawn", chart.get("id"))
        return None
    cache.set(key, png, CACHE_SECONDS)
    return png


def _draw(chart, cjk):
    buffer = BytesIO()
    _figure(chart, cjk).savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _figure(chart, cjk):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    families = [cjk, "DejaVu Sans"] if cjk else ["DejaVu Sans"]
    font = FontProperties(family=families, size=8)
    categories = [_label(c, i + 1, cjk) for i, c in enumerate(chart["categories"])]
    series = chart["series"]
    names = [_label(s["name"], s.get("key") or f"S{i + 1}", cjk) for i, s in enumerate(series)]
    positions = list(range(len(categories)))

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if chart["kind"] == "line":
        for i, (s, name) in enumerate(zip(series, names, strict=True)):
            values = [math.nan if v is None else v for v in s["data"]]
            axes.plot(
                positions, values, marker="o", markersize=3.5, linewidth=1.6, color=COLORS[i % 6], label=name
            )
    elif chart["stack"]:
        bottom = [0.0] * len(positions)
        for i, (s, name) in enumerate(zip(series, names, strict=True)):
            values = [v or 0.0 for v in s["data"]]
            axes.bar(positions, values, 0.6, bottom=bottom, color=COLORS[i % 6], label=name)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    else:
        width = 0.8 / max(1, len(series))
        for i, (s, name) in enumerate(zip(series, names, strict=True)):
            offset = (i - (len(series) - 1) / 2) * width
            drawn = [(x + offset, v) for x, v in zip(positions, s["data"], strict=True) if v is not None]
            axes.bar([x for x, _v in drawn], [v for _x, v in drawn], width, color=COLORS[i % 6], label=name)
    rotate = len(categories) > 6
    axes.set_xticks(
        positions,
        categories,
        fontproperties=font,
        rotation=40 if rotate else 0,
        ha="right" if rotate else "center",
    )
    for tick in axes.get_yticklabels():
        tick.set_fontproperties(font)
    unit = _label(chart["unit"], "", cjk)
    if unit:
        axes.set_ylabel(unit, fontproperties=font)
    axes.set_ylim(0, 100 if chart["percent"] else None)
    axes.set_xlim(-0.5, len(positions) - 0.5)
    axes.grid(axis="y", linewidth=0.5, alpha=0.4)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    # Fixed margins (a layout engine would measure every label first and double the time).
    figure.subplots_adjust(left=0.08, right=0.985, top=0.86, bottom=0.24 if rotate else 0.1)
    figure.legend(loc="upper center", ncols=min(4, len(series)), frameon=False, prop=font)
    return figure
