"""Form pages: labelled fields (label, value, box) rather than table rows.

A records-request form, an arrest report or an agreement's signature page is a set of labels
each with a value beside or under it. Read as a table it comes out as a ragged grid of half
sentences (issue 17, shape 6); read as fields it can be audited (each field has its page and
box) and exported like rows (`fields` table of the store).

Two sources, both read from the page itself:

- **Fill-in form widgets** (AcroForm): a born-digital form filled on screen keeps each field's
  name and value in a widget annotation; these are exact and need no reading of the layout.
- **Printed labels**: a segment of a text line (words closer than a few spaces) that starts
  with a short label ending in a colon -- `Name:`, `Date of Arrest:`, `Signature:` -- gives
  the field; its value is the rest of the segment, else the next segment on the same line
  when that one is not itself a label, else the line just under the label when it starts
  under it and is not a label (labels printed above their boxes). A value of only rule
  characters (`______`, `.....`) is a blank field. Lines inside a table found on the page
  are left to the table.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from extract.lines import TextLine, group_lines, split_segments
from extract.model import BBox, Table, Word, union_bbox
from extract.page_layout import PageLayout
from extract.scan_prep import map_box

log = logging.getLogger(__name__)

# "Label:" -- a letter first, a few words, a colon followed by a space or the end. "10:30" and
# "http://" are not labels.
_LABEL = re.compile(r"^(?P<label>[A-Za-z#(][^:]{0,60}?)\s*:(?=\s|$)\s*(?P<value>.*)$")
_BLANK = re.compile(r"^[\s_.\-–—]*$")
# A label is a few words; a sentence with a colon in it is prose.
MAX_LABEL_WORDS = 7
# A page needs this many printed labels before its colons are read as a form's fields.
MIN_FIELDS = 3
# The line under a label is its value when it starts within this many character widths of
# the label's left edge and sits within this many line heights below.
UNDER_X_EM = 2.0
UNDER_Y_LINES = 1.8


@dataclass(frozen=True)
class FormField:
    """One labelled field of a page: what the form asks (`label`) and what it says (`value`)."""

    label: str
    value: str
    page: int
    bbox: BBox | None  # label and value together, PDF points, top-left origin
    label_bbox: BBox | None
    value_bbox: BBox | None
    method: str  # "widget" (a form widget's stored value) or "printed" (read off the text)
    confidence: float = 1.0


def _label_of(text: str) -> tuple[str, str] | None:
    m = _LABEL.match(text.strip())
    if not m:
        return None
    label = m.group("label").strip()
    if len(label.split()) > MAX_LABEL_WORDS or label.lower().startswith(("http", "www")):
        return None
    return label, m.group("value").strip()


def _clean_value(text: str) -> str:
    return "" if _BLANK.match(text) else text.strip(" _")


def inside_tables(box: BBox | None, tables: list[Table]) -> bool:
    """Whether the box's centre lies in one of the tables (a field there is a cell)."""
    if box is None:
        return False
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(t.bbox and t.bbox[0] <= cx <= t.bbox[2] and t.bbox[1] <= cy <= t.bbox[3]
               for t in tables)


def _box(words: tuple[Word, ...] | list[Word]) -> BBox | None:
    return union_bbox([w.bbox for w in words])


def _lines_outside(layout: PageLayout, tables: list[Table]) -> list[TextLine]:
    """The page's text lines outside its tables (a field there is a cell)."""
    return [ln for ln in group_lines(layout.words, layout.char_size)
            if not inside_tables(ln.bbox, tables)]


def printed_fields(layout: PageLayout, tables: list[Table],
                   lines: list[TextLine] | None = None) -> list[FormField]:
    """Fields read from `Label: value` text on a page outside its tables (see module doc);
    `lines`: those lines when the caller has them already."""
    size = layout.char_size
    lines = _lines_outside(layout, tables) if lines is None else lines
    found: list[FormField] = []
    used_lines: set[int] = set()
    for li, line in enumerate(lines):
        segs = split_segments(line, size)
        labels = [_label_of(" ".join(w.text for w in s)) for s in segs]
        for si, (seg, lab) in enumerate(zip(segs, labels)):
            if lab is None:
                continue
            label, value = lab
            n_label = _label_words(seg)
            vwords: list[Word] = list(seg[n_label:])
            if not value and si + 1 < len(segs) and labels[si + 1] is None:
                vwords = list(segs[si + 1])
                value = " ".join(w.text for w in vwords)
            elif not value and si + 1 == len(segs):
                under = _line_under(lines, li, seg, size)
                if under is not None and under not in used_lines:
                    used_lines.add(under)
                    vwords = list(lines[under].words)
                    value = lines[under].text
            value = _clean_value(value)
            lbox = _box(seg[:n_label])
            vbox = (_box(vwords) or _box(seg[n_label - 1:n_label])) if value else None
            conf = min((w.confidence for w in [*seg[:n_label], *vwords]), default=1.0)
            found.append(FormField(label, value, layout.number, union_bbox([lbox, vbox]),
                                   lbox, vbox, "printed", round(conf, 4)))
    return found if len(found) >= MIN_FIELDS else []


def _label_words(seg: tuple[Word, ...]) -> int:
    """How many of the segment's words the label takes: through the first word with a colon
    that is not inside a time or a link ("10:30", "http://")."""
    for i, w in enumerate(seg):
        if re.search(r":(?!\d|//)", w.text):
            return i + 1
    return len(seg)


def _line_under(lines: list[TextLine], li: int, seg: tuple[Word, ...],
                size: float) -> int | None:
    if li + 1 >= len(lines):
        return None
    nxt = lines[li + 1]
    height = max(seg[0].bottom - seg[0].top, size)
    if nxt.top - seg[0].bottom > UNDER_Y_LINES * height:
        return None
    if abs(nxt.words[0].x0 - seg[0].x0) > UNDER_X_EM * size:
        return None
    if _label_of(nxt.text) is not None:
        return None
    return li + 1


def widget_fields(plumber_page, number: int) -> list[FormField]:
    """Fill-in form fields stored in the page's widget annotations (name, value, rect)."""
    out = []
    for annot in getattr(plumber_page, "annots", None) or []:
        data = annot.get("data") or {}
        if _name(data.get("Subtype")) != "Widget":
            continue
        label = _text(_inherited(data, "TU") or _inherited(data, "T"))
        if not label:
            continue
        value = _text(_inherited(data, "V"))
        if value in ("Off", "/Off"):
            value = ""
        box = (float(annot["x0"]), float(annot["top"]), float(annot["x1"]),
               float(annot["bottom"]))
        out.append(FormField(label, value, number, box, None, box, "widget"))
    return out


def _inherited(data: dict, key: str):
    """A field attribute, looked up through the field's parents (kids inherit /V and /T)."""
    seen = 0
    while isinstance(data, dict) and seen < 10:
        if key in data:
            return _resolve(data[key])
        data = _resolve(data.get("Parent"))
        seen += 1
    return None


def _resolve(obj):
    resolve = getattr(obj, "resolve", None)
    return resolve() if callable(resolve) else obj


def _name(obj) -> str:
    obj = _resolve(obj)
    name = getattr(obj, "name", obj)
    return name.decode("latin-1") if isinstance(name, bytes) else str(name or "")


def _text(obj) -> str:
    obj = _resolve(obj)
    if obj is None:
        return ""
    if isinstance(obj, bytes):
        if obj.startswith(b"\xfe\xff"):
            return obj[2:].decode("utf-16-be", "replace").strip()
        return obj.decode("latin-1").strip()
    if hasattr(obj, "name"):
        return _name(obj)
    if isinstance(obj, list):
        return "; ".join(_text(x) for x in obj)
    return str(obj).strip()


def _style(w: Word) -> tuple[str, float]:
    return w.font, round(w.size, 1)


def _wordy(label: str) -> bool:
    """A label has a word in it ("3. Date", "C/T/V of"), not only codes and numbers
    ("19C083929 1604", "18DV001389": a report's colour-coded runs, not a form)."""
    return any(tok.isalpha() and len(tok) >= 2 for tok in re.split(r"[\s/.,()#:-]+", label))


def _runs(line: TextLine) -> list[list[Word]]:
    """A line cut where the font changes: `Date` `07/23/2022` `Time` `5:57 PM`."""
    runs: list[list[Word]] = [[line.words[0]]]
    for w in line.words[1:]:
        if _style(w) == _style(runs[-1][-1]):
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


# A value's font is at most this much larger than its label's (a title line is not a value).
MAX_VALUE_SIZE = 1.3


def font_fields(layout: PageLayout, tables: list[Table],
                lines: list[TextLine] | None = None) -> list[FormField]:
    """Fields of a form filled in by a system that prints values in a font of their own
    (bold, or another face) beside labels in the form's font: `UTT NUMBER` **WS99FPCLBK**.

    The label font is the one most lines of two fonts start with; a run in the label font
    followed on its line by a run in another font of about the same size is a field. Only
    text layers carry fonts; OCR words have none and give nothing here."""
    size = layout.char_size
    lines = _lines_outside(layout, tables) if lines is None else lines
    runs = [_runs(ln) for ln in lines]
    starts = [r[0][0] for r in runs if len(r) > 1 and r[0][0].font]
    if not starts:
        return []
    styles = [_style(w) for w in starts]
    label_style = max(set(styles), key=styles.count)
    found = []
    for li, line_runs in enumerate(runs):
        last = line_runs[-1]
        if _style(last[0]) == label_style and last[-1].text.endswith(":"):
            under = _value_lines(lines, runs, li, label_style, size)
            if under:
                words = [w for ln in under for w in ln.words]
                lbox, vbox = _box(last), _box(words)
                found.append(FormField(" ".join(w.text for w in last).rstrip(" :"),
                                       " ".join(ln.text for ln in under), layout.number,
                                       union_bbox([lbox, vbox]), lbox, vbox, "printed"))
        for a, b in zip(line_runs, line_runs[1:]):
            if _style(a[0]) != label_style or b[0].size > MAX_VALUE_SIZE * max(a[0].size, 1):
                continue
            label = " ".join(w.text for w in a).rstrip(" :")
            value = _clean_value(" ".join(w.text for w in b))
            if not _wordy(label):
                continue
            lbox, vbox = _box(a), _box(b)
            found.append(FormField(label, value, layout.number, union_bbox([lbox, vbox]), lbox,
                                   vbox if value else None, "printed"))
    return found if len(found) >= MIN_FIELDS else []


# A value printed under its label runs over at most this many lines.
MAX_VALUE_LINES = 8


def _value_lines(lines: list[TextLine], runs: list[list[list[Word]]], li: int,
                 label_style: tuple[str, float], size: float) -> list[TextLine]:
    """The lines under line `li` printed wholly in a value font, next to each other: the
    value of a label that ends its line with a colon (`8. Additional Information:`)."""
    out: list[TextLine] = []
    prev = lines[li]
    for j in range(li + 1, min(li + 1 + MAX_VALUE_LINES, len(lines))):
        ln = lines[j]
        height = max(prev.bottom - prev.top, size)
        if ln.top - prev.bottom > UNDER_Y_LINES * height or any(
                _style(r[0]) == label_style for r in runs[j]):
            break
        out.append(ln)
        prev = ln
    return out


def page_fields(layout: PageLayout, tables: list[Table], plumber_page=None) -> list[FormField]:
    """A page's fields: its form widgets when it has filled ones, else its printed labels
    (by font where values are printed in a font of their own, and by colon), each label box
    once, in reading order."""
    widgets = widget_fields(plumber_page, layout.number) if plumber_page is not None else []
    if any(f.value for f in widgets):
        return widgets
    lines = _lines_outside(layout, tables)  # grouped once for both readers
    by_font = font_fields(layout, tables, lines)
    taken = [f.label_bbox for f in by_font if f.label_bbox]
    by_colon = [f for f in printed_fields(layout, tables, lines)
                if not any(_overlaps(f.label_bbox, b) for b in taken)]
    both = by_font + by_colon
    return sorted(both, key=lambda f: (round(f.bbox[1]) if f.bbox else 0,
                                       f.bbox[0] if f.bbox else 0))


def _overlaps(a: BBox | None, b: BBox) -> bool:
    return a is not None and a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def fields_of_page(layout: PageLayout, tables: list[Table], plumber_page, rel_path: str) -> list:
    """A page's form fields (extract.forms); a failure here costs the fields, not the page.
    A page read in a turned or deskewed frame (OCR) is read in that frame, its boxes mapped
    to the page, and fields inside the page's tables left to them."""
    try:
        if layout.to_page is not None:
            return [f for f in (_page_field(f, layout.to_page) for f in page_fields(layout, []))
                    if not inside_tables(f.label_bbox or f.bbox, tables)]
        return page_fields(layout, tables, plumber_page)
    except Exception:
        log.exception("form fields failed on page %s of %s", layout.number, rel_path)
        return []


def _page_field(f: FormField, to_page) -> FormField:
    def m(box):
        return map_box(box, to_page) if box is not None else None
    return replace(f, bbox=m(f.bbox), label_bbox=m(f.label_bbox), value_bbox=m(f.value_bbox))
