"""The annual report (.docx): every chart with data is a picture followed by its table, and the
table's numbers are the snapshot values; drawing never breaks the report."""

import os
import uuid
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from dashboards import chart_images, charts, registry, services
from dashboards.models import Snapshot
from dashboards.periods import QUARTER, YEAR, Period

from .conftest import YEAR as Y

pytestmark = pytest.mark.django_db

PERIODS = [Period(y, YEAR) for y in (Y - 1, Y)] + [
    Period(y, QUARTER, q) for y in (Y - 1, Y) for q in range(1, 5)
]


@pytest.fixture
def built(known_tree):
    services.build(PERIODS, rebuild=True)
    return known_tree


def _blocks(document):
    """[(heading text, [body elements up to the next heading])] of the level-2 headings."""
    blocks = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            style = element.find(qn("w:pPr") + "/" + qn("w:pStyle"))
            if style is not None and style.get(qn("w:val")) in ("Heading1", "Heading2"):
                text = "".join(t.text or "" for t in element.iter(qn("w:t")))
                blocks.append((style.get(qn("w:val")), text, []))
                continue
        if blocks:
            blocks[-1][2].append(element)
    return [(text, body) for level, text, body in blocks if level == "Heading2"]


def _table_cells(table_element):
    return [
        ["".join(t.text or "" for t in cell.iter(qn("w:t"))) for cell in row.iter(qn("w:tc"))]
        for row in table_element.iter(qn("w:tr"))
    ]


def test_every_chart_is_a_picture_followed_by_a_table_of_the_snapshot_values(client_for, built, personas):
    root = built["root"]
    response = client_for(personas["provincial"]).get(reverse("dashboards:annual", args=[root.pk, Y]))
    assert response.status_code == 200
    document = Document(BytesIO(response.content))

    from dashboards import selectors

    specs = selectors.dashboard(root, year=Y)["charts"]
    drawn = [c for c in specs if not c["empty"]]
    assert {c["id"] for c in drawn} >= {"tiers", "scores", "dimensions", "reports", "life", "renewal"}
    assert len(document.inline_shapes) == len(drawn)
    for shape in document.inline_shapes:
        blob = document.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        assert blob.startswith(b"\x89PNG") and len(blob) > 5000

    labels = {str(i.label): i.key for i in registry.all_indicators()}
    periods = {
        p.label: p for p in PERIODS + [Period(Y - 2, YEAR)] + [Period(Y - 2, QUARTER, q) for q in range(1, 5)]
    }
    snapshots = {
        (key, Period(year, kind, number)): value
        for key, kind, year, number, value in Snapshot.objects.filter(organization=root).values_list(
            "indicator", "period_kind", "year", "period_no", "value"
        )
    }
    blocks = dict(_blocks(document))
    checked = 0
    for chart in drawn:
        body = blocks[chart["title"]]
        # First the picture (alt text = the chart's title), then its table.
        assert body[0].tag == qn("w:p") and body[0].find(".//" + qn("w:drawing")) is not None, chart["id"]
        doc_pr = body[0].find(".//" + qn("wp:docPr"))
        assert doc_pr.get("descr") == chart["title"]
        assert body[1].tag == qn("w:tbl"), chart["id"]
        header, *rows = _table_cells(body[1])
        assert rows, chart["id"]
        for row in rows:
            for column, cell in zip(header[1:], row[1:], strict=True):
                if chart["id"] == "dimensions":
                    key, period = labels[row[0]], periods[column]
                else:
                    key, period = labels[column], periods[row[0]]
                expected = snapshots.get((key, period))
                if expected is None:
                    assert cell == "暂无数据", (chart["id"], key, period)
                else:
                    assert cell == f"{expected:.1f}", (chart["id"], key, period)
                    checked += 1
    # Known answers among them: 2025 mean 71.7, median 70, P10 54 (scores 95, 70, 50).
    scores = _table_cells(blocks["平均分、中位数与第10百分位（年度）"][1])
    assert [f"{Y}年", "71.7", "70.0", "54.0"] in scores
    assert checked > 20
    # Empty charts say so and carry no picture.
    empty = blocks[next(c["title"] for c in specs if c["empty"])]
    assert all(e.find(".//" + qn("w:drawing")) is None for e in empty)


def test_report_without_a_cjk_font_or_with_a_failing_renderer_still_builds(
    client_for, built, personas, monkeypatch
):
    url = reverse("dashboards:annual", args=[built["root"].pk, Y])
    client = client_for(personas["provincial"])
    # No CJK font: the labels fall back to what the default font renders; still pictures.
    monkeypatch.setattr(chart_images, "cjk_family", lambda: None)
    with_fallback = Document(BytesIO(client.get(url).content))
    assert len(with_fallback.inline_shapes) >= 6

    # Drawing fails: no pictures, the tables are all there.
    def broken(chart, cjk):
        raise RuntimeError("no backend")

    monkeypatch.setattr(chart_images, "_draw", broken)
    monkeypatch.setattr(chart_images, "VERSION", uuid.uuid4().hex)  # nothing from the cache
    response = client.get(url)
    assert response.status_code == 200
    document = Document(BytesIO(response.content))
    assert len(document.inline_shapes) == 0
    assert len(document.tables) == len(with_fallback.tables)


def test_ascii_fallback_labels():
    assert chart_images._label("2025年Q3", 1, None) == "2025Q3"
    assert chart_images._label("基本职责", 4, None) == "4"
    assert chart_images._label("基本职责", 4, "WenQuanYi Micro Hei") == "基本职责"


def test_fallback_uses_indicator_keys_as_series_names():
    indicators = {i.key: i for i in registry.all_indicators()}
    series = {"score_mean": {str(Y): 70.0}, "score_median": {str(Y): 71.0}, "score_p10": {str(Y): 60.0}}
    spec = next(c for c in charts.build(series, [Y - 1, Y], indicators) if c["id"] == "scores")
    assert [s["key"] for s in spec["series"]] == ["score_mean", "score_median", "score_p10"]
    png = chart_images._draw(spec, None)
    assert png.startswith(b"\x89PNG")


def test_rate_charts_run_from_0_to_100_whatever_their_values():
    """A quarterly rate with small values (or all 0) once drew a 0–1 axis labelled "%"."""
    indicators = {i.key: i for i in registry.all_indicators()}
    quarters = {f"{Y}Q{q}": 0.0 for q in range(1, 5)}
    series = {"report_on_time": quarters, "renewal_overdue": {f"{Y}Q1": 0.4}}
    built = {c["id"]: c for c in charts.build(series, [Y], indicators)}
    assert built["reports"]["percent"] and not built["renewal"]["percent"]
    assert chart_images._figure(built["reports"], None).axes[0].get_ylim() == (0, 100)
    counted = chart_images._figure(built["renewal"], None).axes[0].get_ylim()
    assert counted[0] == 0 and counted[1] < 1  # a count keeps an axis fitted to its values


def test_a_cjk_font_is_found_on_this_machine():
    """CI installs fonts-wqy-microhei (.ci/run); the lookup must find it (or another CJK font)."""
    from matplotlib import font_manager

    chart_images.cjk_family.cache_clear()
    family = chart_images.cjk_family()
    if family is None and not os.environ.get("CI"):
        pytest.skip("no CJK font on this machine (CI installs fonts-wqy-microhei)")
    assert family is not None
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    from matplotlib.ft2font import FT2Font

    assert ord("党") in FT2Font(path).get_charmap()


def test_a_drawn_chart_is_served_from_the_cache_the_second_time(monkeypatch):
    indicators = {i.key: i for i in registry.all_indicators()}
    series = {"score_mean": {str(Y): 70.0}}
    spec = next(c for c in charts.build(series, [Y - 1, Y], indicators) if c["id"] == "scores")
    monkeypatch.setattr(chart_images, "VERSION", uuid.uuid4().hex)
    drawn = []
    real = chart_images._draw
    monkeypatch.setattr(chart_images, "_draw", lambda chart, cjk: drawn.append(1) or real(chart, cjk))
    first = chart_images.render(spec)
    assert chart_images.render(spec) == first and len(drawn) == 1
    changed = {**spec, "series": [{**spec["series"][0], "data": [None, 71.0]}] + spec["series"][1:]}
    assert chart_images.render(changed) != first and len(drawn) == 2
