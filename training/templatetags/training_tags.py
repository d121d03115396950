from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


def _ratio_html(ratio):
    if ratio is None or not ratio.total:
        return '<span class="text-muted">—</span>'
    met, total = int(ratio.met), int(ratio.total)
    percent = float(ratio.percent)
    if met == total:
        css = "text-success"
    elif percent < 60:
        css = "text-danger fw-semibold"
    else:
        css = "text-body"
    return f'<span class="{css}">{percent}%</span> <span class="small text-muted">{met}/{total}</span>'


@register.simple_tag
def ratio_cells(metrics, columns):
    """One ``<td>`` per metric column: percent (red below 60 %, green when all met) and met/total.

    Built in Python from numbers only (int/float, nothing to escape): a province table has
    ~900 cells, and an ``{% include %}`` per cell made rendering the slowest part of the page.
    """
    metrics = metrics or {}
    return mark_safe("".join(f"<td>{_ratio_html(metrics.get(key))}</td>" for key, _label in columns))  # noqa: S308
