"""The store: one SQLite file (`out/foia.sqlite`) that every stage writes and every command reads.

This package owns it whole: the schema and its migrations (`schema`), every write (`write`),
every read (`read` for the pipeline, `queries` for the commands that inspect a store, `check`
for `foia check`), and the typed views per profile kind (`kinds`). No SQL is written anywhere
else in the project (tests/test_store_schema.py checks), so a column is renamed, indexed or
migrated in one place.
"""

from foia.store.read import (
    ROW_CHUNK,
    PageTextLookup,
    StoredTable,
    document_keys,
    documents,
    file_paths,
    file_status,
    load_tables,
    orphan_documents,
    page_hashes,
    page_text,
    page_texts,
    page_words,
    table_heads,
    table_rows,
)
from foia.store.schema import (
    DDOR_COLUMNS,
    PROVENANCE_COLUMNS,
    VERSION,
    connect,
    connect_readonly,
    create_kind_views,
    kind_view_name,
)
from foia.store.write import (
    StoreSink,
    delete_document,
    delete_rows,
    finish_run,
    forget_files,
    move_to_rejects,
    record_error,
    record_file,
    record_hashes,
    replace_near_duplicates,
    reset_header_rows,
    set_normalize_key,
    start_run,
    table_id,
    write_cells,
    write_document,
    write_findings,
    write_page,
    write_rows,
    write_table,
    write_table_meta,
)

__all__ = [
    "PROVENANCE_COLUMNS", "ROW_CHUNK", "DDOR_COLUMNS", "VERSION", "PageTextLookup", "StoreSink",
    "StoredTable", "connect", "connect_readonly", "create_kind_views", "kind_view_name",
    "delete_document", "delete_rows",
    "document_keys", "documents", "file_paths", "file_status", "orphan_documents",
    "page_hashes", "page_text", "finish_run", "forget_files", "load_tables", "move_to_rejects",
    "page_texts", "page_words", "record_error", "record_file", "record_hashes",
    "replace_near_duplicates", "reset_header_rows", "set_normalize_key", "start_run",
    "table_heads", "table_id", "table_rows", "write_cells", "write_document", "write_findings",
    "write_page", "write_rows", "write_table", "write_table_meta",
]
