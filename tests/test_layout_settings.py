"""LayoutSettings: our table builder's tolerances, named, validated, in the cache key, and used.

The behaviour tests read a fixture the generator drew (fixtures/sample_dump/ddor-whitespace.pdf)
and compare with its own truth (fixtures/truth/ddor-whitespace.pdf.json): the header and rows
it printed, not this code's output.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, replace

import pdfplumber
import pytest

from extract.layout_settings import LayoutSettings, unit_of
from extract.layout_tables import layout_tables
from extract.page_layout import read_page_layout, visible_page
from extract.pdf import ExtractSettings, extract_pdf, ocr_tables
from tests.conftest import SAMPLE_DUMP, load_truth

WHITESPACE = SAMPLE_DUMP / "ddor-whitespace.pdf"


def _changed(name: str, value):
    """A different valid value for a field."""
    unit = unit_of(name)
    if unit == "count":
        return value + 1
    if unit == "share":
        return value / 2
    return value * 2


def test_every_field_has_a_unit_and_a_default_of_its_kind():
    for f in fields(LayoutSettings):
        value = getattr(LayoutSettings(), f.name)
        if unit_of(f.name) == "count":
            assert type(value) is int, f.name
        else:
            assert type(value) is float and math.isfinite(value), f.name


@pytest.mark.parametrize("bad", [
    {"min_gutter_em": -0.1},          # a distance, negative
    {"align_tolerance_pt": -1.0},
    {"aligned_share": 1.5},           # a share above 1
    {"key_sparse_share": -0.1},
    {"min_table_lines": 0},           # a count under 1
    {"max_header_lines": 2.5},        # a count, not whole
    {"gutter_crossing_one_in": True},  # a bool is no count
    {"prose_em": float("nan")},
    {"segment_gap_em": "wide"},
    {"title_size_ratio": 0.0},
    {"gutter_step_pt": 0.0},          # a grid step of nothing
])
def test_bad_values_are_refused(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        LayoutSettings(**bad)
    with pytest.raises(ValueError):
        ExtractSettings.resolve({"layout": bad})


def test_unknown_setting_is_refused():
    with pytest.raises(TypeError):
        LayoutSettings.resolve({"min_gutter": 1.0})


def test_resolve_from_dict_and_from_extract_settings():
    s = LayoutSettings.resolve({"min_gutter_em": 1.5, "min_table_lines": 3})
    assert (s.min_gutter_em, s.min_table_lines) == (1.5, 3)
    assert LayoutSettings.resolve(None) == LayoutSettings()
    assert LayoutSettings.resolve(s) is s
    cfg = ExtractSettings.resolve({"max_pages": 5, "layout": {"segment_gap_em": 1.2}})
    assert cfg.layout == replace(LayoutSettings(), segment_gap_em=1.2)
    assert ExtractSettings().layout == LayoutSettings()
    assert ExtractSettings(layout=s).layout is s


def test_settings_blob_records_layout():
    # the pipeline writes a run's settings as json.dumps(cfg.__dict__, default=list)
    cfg = ExtractSettings(layout=LayoutSettings(min_gutter_em=1.5))
    blob = json.loads(json.dumps({"extract": cfg.__dict__}, default=list))
    assert dict(blob["extract"]["layout"])["min_gutter_em"] == 1.5
    assert dict(cfg.layout) == {f.name: getattr(cfg.layout, f.name)
                                for f in fields(LayoutSettings)}


@pytest.mark.parametrize("name", [f.name for f in fields(LayoutSettings)])
def test_every_layout_setting_is_part_of_the_cache_key(name):
    default = ExtractSettings()
    value = _changed(name, getattr(default.layout, name))
    changed = ExtractSettings(layout=replace(default.layout, **{name: value}))
    assert changed.digest() != default.digest()
    assert ExtractSettings.resolve({"layout": {name: value}}).digest() == changed.digest()
    assert ExtractSettings(layout=LayoutSettings()).digest() == default.digest()


def _whitespace_page():
    with pdfplumber.open(WHITESPACE) as pdf:
        return read_page_layout(visible_page(pdf.pages[0]), 1, visible=True)


def test_min_gutter_is_used_by_the_builder():
    """A gutter wider than the page: the whitespace table's columns are not found."""
    truth = load_truth("ddor-whitespace.pdf.json")["tables"][0]
    on_page_1 = [list(r["cells"]) for r in truth["rows"] if r["page"] == 1]
    layout = _whitespace_page()
    default = layout_tables(layout)
    (table,) = [t for t in default if list(t.header) == truth["header"]]
    assert [r.texts for r in table.rows if r.kind == "data"] == on_page_1
    wide = LayoutSettings(min_gutter_em=layout.width / layout.char_size)
    columns = [len(t.rows[0].cells) for t in layout_tables(layout, wide)]
    assert max(columns, default=0) < len(truth["header"])
    # the OCR path takes the same settings
    assert any(list(t.header) == truth["header"] for t in ocr_tables(layout))
    assert not any(list(t.header) == truth["header"] for t in ocr_tables(layout, wide))


def test_extract_pdf_passes_its_layout_settings_to_the_builder():
    truth = load_truth("ddor-whitespace.pdf.json")["tables"][0]
    only_ours = {"engines": ("layout",), "fallback_engines": ()}
    doc = extract_pdf(str(WHITESPACE), WHITESPACE.name, "0" * 64, only_ours)
    assert any(list(t.header) == truth["header"] for p in doc.pages for t in p.tables)
    width = _whitespace_page().width
    wide = extract_pdf(str(WHITESPACE), WHITESPACE.name, "0" * 64,
                       {**only_ours, "layout": {"min_gutter_em": width}})
    assert not any(list(t.header) == truth["header"] for p in wide.pages for t in p.tables)
