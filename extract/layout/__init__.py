"""The steps of our table builder, one concept per module; extract.layout_tables runs them.

- blocks: candidate tables (blocks of lines) and the titles, notes and headers around them;
- columns: a block's column edges, from vertical rules or from gutters;
- cuts: columns set too tight for a gutter, found from the header and from alignment;
- edges: each edge settled where the page says the border is;
- header: the header lines flattened into one row, spanning labels given to their columns;
- records: which lines start a record, and the rows they make.

Every tolerance is a field of extract.layout_settings.LayoutSettings.
"""
