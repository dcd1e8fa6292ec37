"""Documents → pages → words, tables and cells, each with its provenance."""
