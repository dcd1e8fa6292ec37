"""Every tolerance of our table builder (extract.layout_tables and extract.lines), named.

In the manner of pdfplumber's TableSettings: one frozen dataclass, validated when it is built,
resolved from None, a dict (TOML, a CLI) or an instance, and part of the extraction settings,
so part of the cache key (ExtractSettings.layout, hashed by ExtractSettings.digest).

Units are given by each name's ending:

- `_em`: character sizes, multiples of the page's median character size (PageLayout.char_size),
  so a table set in 7 pt type and one set in 12 pt type are read alike;
- `_pt`: PDF points, where a value is deliberately absolute (each says why);
- `_share`: a share between 0 and 1;
- `_ratio`: a ratio of two sizes;
- anything else is a count (an int, at least 1).

The defaults are the values the builder was tuned with on the fixtures and the blind releases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from extract.settings import Resolvable

UNITS = ("_em", "_pt", "_share", "_ratio")


def unit_of(name: str) -> str:
    """The unit of a LayoutSettings field, from its name: em, pt, share, ratio or count."""
    return next((u[1:] for u in UNITS if name.endswith(u)), "count")


@dataclass(frozen=True)
class LayoutSettings(Resolvable):
    """Tolerances of the layout builder: lines → blocks → columns → header → records."""

    # -- lines and blocks (extract.lines) ---------------------------------------------------
    # Words whose vertical centres lie within this of a line's running centre are on that line.
    line_centre_em: float = 0.45
    # Words further apart than this are in different segments (runs) of a line: a table line
    # has several runs, a prose line one.
    segment_gap_em: float = 0.9
    # Lines set further apart than this start a new block, unless a rule says they belong to
    # one ruled table (ruled_gap_em).
    block_gap_em: float = 1.1
    # Lines up to this far apart stay in one block when a rule between them marks table rows,
    # or they share a band between two rules.
    ruled_gap_em: float = 4.0
    # A band between two spanning rules at most this tall is one group of table rows (NICS
    # draws a rule every five states; "District of Columbia" wraps inside its band).
    band_max_em: float = 12.0
    # A horizontal rule lies between two lines when it covers this share of their width.
    rule_cover_share: float = 0.5
    # One run of words wider than this share of the block (or of the two lines it lies
    # between) is a title, a note or prose, not a table line.
    spanning_share: float = 0.4
    # Where a drawn rule meets the box of the text it bounds, it may overlap the box, or stop
    # short of it, by this much and still count as touching it from outside (a rule under a
    # row, a border beside a label, a grid's rule running on to the next row). Points: word
    # boxes hold the font's ascent and descent, and the slack is how strokes and boxes are
    # rounded, not a matter of the size of the type.
    rule_overlap_pt: float = 1.0
    # A rule counts as spanning or bounding text when it falls short of the text's edge, or
    # lies outside it, by at most this much. Points: the padding a report draws between a cell
    # border and its text, a point or two whatever the type size.
    rule_reach_pt: float = 2.0

    # -- candidate blocks (extract.layout.blocks) -------------------------------------------
    # A table needs this many lines that are not spanning lines (and this many with two or
    # more cells).
    min_table_lines: int = 2
    # Prose set in two to four columns: a line of at most prose_max_runs runs is prose when
    # prose_share of its words are in runs of prose_words words or more, prose_em wide.
    prose_words: int = 5
    prose_em: float = 15.0
    prose_max_runs: int = 4
    prose_share: float = 0.7
    # Rows set further apart than a block gap still make one table when they are this close
    # and their columns line up.
    spaced_row_em: float = 4.0
    # ... compared on the first of its first full_row_search lines that is a full row
    full_row_search: int = 8
    # Run starts (or number ends) this close count as the same column in two rows. Points: a
    # renderer places aligned text at one x; the difference is rounding, not type size.
    aligned_start_pt: float = 2.0
    # Two rows of three or more runs line up when this share of the smaller one's runs (and
    # at least two) start at the same x.
    aligned_row_share: float = 0.5
    # The last line of the block above with this many runs or more is a full row (the one a
    # double-spaced row below is compared with, not a wrapped cell's second line).
    full_row_runs: int = 3
    # A header set apart from its rows joins them when it is this close, this many lines or
    # fewer, with a label over each column.
    header_gap_em: float = 3.0
    max_header_lines: int = 3
    # A header label may reach this far outside the table's outer edges (a short number under
    # a wider label).
    header_overhang_em: float = 3.0
    # A line set in type this much larger than the table's first line is a title over it.
    title_size_ratio: float = 1.15
    # Notes starting with a note mark this close under a table belong to it.
    footnote_gap_em: float = 3.0
    # Two blocks whose inner column edges lie within merge_edge_em of each other, at most
    # merge_gap_em apart, are one table split by a wide gap.
    merge_gap_em: float = 6.0
    merge_edge_em: float = 1.5

    # -- a block's columns (extract.layout.columns) -----------------------------------------
    # A gutter must be at least this wide to separate columns; columns set tighter are found by
    # alignment (extract.layout.edges).
    min_gutter_em: float = 0.6
    # Gutters are measured on a grid of this step. Points: a resolution finer than any gap
    # between words in any type size that prints legibly.
    gutter_step_pt: float = 0.25
    # In a block of this many lines or more, one line in this many may cross a gutter
    # (spanning group headers, the odd overflowing value).
    gutter_crossing_one_in: int = 10
    # A gutter no wider than this many of the block's own spaces between words may not be
    # crossed by any line (one-space gaps in monospaced columns).
    strict_gutter_ratio: float = 1.15
    # Gaps under this are spaces between words when measuring the block's usual space, and
    # at least word_gap_samples of them are needed to measure it.
    word_gap_max_em: float = 1.2
    word_gap_samples: int = 5
    # A vertical rule covering this share of a block's height is a column border.
    column_rule_share: float = 0.6
    # Vertical rules closer than this are one border. Points: a double rule, or one border
    # drawn as the edges of two cells, is a stroke or two apart whatever the type size.
    double_rule_pt: float = 2.0
    # The outer column edges are placed this far outside the text. Points: only so that every
    # word's centre falls inside; any small value does.
    edge_pad_pt: float = 1.0
    # A gutter splits a ruled cell only where this many lines hold words on both sides of it.
    split_cell_lines: int = 2

    # -- a table's edges refined (extract.layout.edges) -------------------------------------
    # A sub-header pair is two columns only when at most one data line in this many has a
    # value reaching into the gap between the two labels.
    header_gap_filled_one_in: int = 10
    # Share of data lines that must hold a word starting (or ending) where a header word does.
    aligned_share: float = 0.5
    # Without a header, the share of lines with text in the span that must start a word at
    # the same x.
    headerless_aligned_share: float = 0.75
    # Two word edges this close count as one alignment. Points: a renderer places left-aligned
    # text at one x to within rounding, whatever the type size.
    align_tolerance_pt: float = 0.6
    # A word crossing a candidate boundary by more than this crosses it. Points: as
    # align_tolerance_pt, rounding of the renderer's positions.
    align_probe_pt: float = 0.3
    # The gap an aligned cut sits in must be at least this wide.
    min_aligned_gap_em: float = 0.3
    # An alignment needs at least this many lines (data lines under a header, values starting
    # at one x), and values of at least min_aligned_texts different texts.
    min_aligned_lines: int = 3
    min_aligned_texts: int = 3
    # A table without a header is cut by alignment only with at least this many lines.
    min_headerless_lines: int = 4
    # Share of a column's lines whose first word starts at one x for the column to count as
    # left aligned there.
    left_aligned_share: float = 0.6
    # A column with no label that holds text on at most this share of lines, each time a word
    # space after text of the column before it, is the overflow of that column.
    overflow_share: float = 0.25
    # A word space: 0.6 in monospaced type (Courier's advance), about 0.3 in proportional type;
    # wider is a gap between columns.
    word_space_em: float = 0.75
    # A column edge, or a rule taken for one, may overlap a word's box by this much and still
    # lie beside it, not through it. Points: box rounding, as rule_overlap_pt.
    edge_overlap_pt: float = 0.5

    # -- the header row (extract.layout.header) ---------------------------------------------
    # The upper word of a two-line header sits over a word of the next line covering this share
    # of it.
    stacked_cover_share: float = 0.6
    # A spanning label is centred over its group of sub-headers within this share of its width.
    centred_share: float = 0.25
    # A label enclosed by rules spans a column when its cell covers more than this share of it.
    label_span_share: float = 0.3

    # -- records (extract.layout.records) ---------------------------------------------------
    # A line filling this share of the fullest line's cells (and at least two) looks like the
    # start of a record; the others are continuation lines.
    dense_share: float = 0.5
    # Key columns are filled on at least key_dense_share of the dense lines and at most
    # key_sparse_share of the sparse ones.
    key_dense_share: float = 0.9
    key_sparse_share: float = 0.1
    # A sparse line starts a record only with more than this share of the key columns filled.
    key_filled_share: float = 0.5
    # A horizontal rule covering this share of the table's width starts a record.
    record_rule_share: float = 0.6
    # In a full grid, rules are authoritative for records when they start at least
    # min_rule_records records and rule_records_share as many as the key columns do.
    min_rule_records: int = 3
    # Records told apart by bands or gaps (layout.records._separated_starts): a gap is a
    # record break when wider than record_gap_ratio times the tight line gap and
    # record_gap_em line heights more; the grouping is taken when separated_agree_share of
    # its groups hold exactly one key line.
    record_gap_ratio: float = 2.0
    record_gap_em: float = 0.35
    separated_agree_share: float = 0.9
    # ... on a page of at least this many records (the last page of a report may hold two)
    min_separated_records: int = 2
    rule_records_share: float = 0.8

    def __post_init__(self) -> None:
        for f in fields(self):
            value, unit = getattr(self, f.name), unit_of(f.name)
            if unit == "count":
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ValueError(f"layout setting {f.name} is a count: a whole number, "
                                     f"at least 1 (got {value!r})")
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value):
                raise ValueError(f"layout setting {f.name} must be a number (got {value!r})")
            if unit == "share" and not 0 <= value <= 1:
                raise ValueError(f"layout setting {f.name} is a share, between 0 and 1 "
                                 f"(got {value!r})")
            if unit in ("em", "pt") and value < 0:
                raise ValueError(f"layout setting {f.name} is a distance in {unit}, "
                                 f"not negative (got {value!r})")
            if unit == "ratio" and value <= 0:
                raise ValueError(f"layout setting {f.name} is a ratio, above 0 (got {value!r})")
        if self.gutter_step_pt <= 0:
            raise ValueError("layout setting gutter_step_pt must be above 0 (it is a grid step)")

    def __iter__(self):
        """(name, value) pairs: `dict(settings)`, and a run's settings blob written with
        json.dumps(default=list) records them."""
        return iter((f.name, getattr(self, f.name)) for f in fields(self))


DEFAULT_LAYOUT = LayoutSettings()
