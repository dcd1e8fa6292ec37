"""What a file is, from its first bytes: the dump's files are typed by content, not by name
(an HTML error page saved as .pdf, a PDF named .xlsx, a CSV with banner lines), and a name
that lies is said to."""

from __future__ import annotations

import csv
import os

HEAD = 64 * 1024  # bytes kept for sniffing: enough for magic numbers and the first CSV lines
SUPPORTED = frozenset({"pdf", "xlsx", "xls", "csv", "tsv", "png", "jpeg", "tiff"})
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive
GZIP_MAGIC = b"\x1f\x8b"  # RFC 1952: a gzip stream (agencies ship `.csv.gz` exports)
# What a file's extension promises. A file whose bytes are no kind we read says its name lies
# (an HTML error page saved as .pdf): an error, not merely an unsupported file. (A PDF named
# .xlsx is read as the PDF it is.)
EXTENSION_KINDS = {
    ".pdf": {"pdf"}, ".xlsx": {"xlsx"}, ".xlsm": {"xlsx"}, ".xls": {"xls", "xlsx", "csv", "tsv"},
    ".csv": {"csv", "tsv"}, ".tsv": {"tsv", "csv"}, ".png": {"png"}, ".jpg": {"jpeg"},
    ".jpeg": {"jpeg"}, ".tif": {"tiff"}, ".tiff": {"tiff"}, ".zip": {"zip"},
    ".gz": {"gzip"}, ".gzip": {"gzip"},
}


def sniff_kind(head: bytes, name: str = "") -> str:
    """Type a file from its first bytes; the name only breaks ties between text types.

    For zips only the names visible in `head` are seen; build_inventory re-checks the central
    directory, since writers may put `[Content_Types].xml` anywhere in the archive.
    """
    if head.startswith(ZIP_MAGIC):
        if b"[Content_Types].xml" in head:
            return "xlsx" if b"xl/" in head else "unknown"  # docx, pptx, ...: not ours
        return "zip"
    for magic, kind in (
        (GZIP_MAGIC, "gzip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),  # OLE2 compound file
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"\xff\xd8\xff", "jpeg"),
        (b"II*\x00", "tiff"),
        (b"MM\x00*", "tiff"),
    ):
        if head.startswith(magic):
            return kind
    # after the fixed magics: a zip storing a PDF uncompressed has "%PDF-" in its first KiB
    if 0 <= head.find(b"%PDF-", 0, 1024 + 5) <= 1024:  # readers accept up to 1 KiB of junk
        return "pdf"
    return _sniff_text(head, name.lower())


def _sniff_text(head: bytes, name: str) -> str:
    """csv / tsv when the first lines split consistently on one delimiter, else unknown."""
    if not head or b"\x00" in head:
        return "unknown"
    cut = len(head) >= HEAD  # the head stops mid-file: its last line (dropped) may be partial
    for encoding in ("utf-8", "cp1252"):
        try:  # when cut, a multibyte character may straddle the end: drop the last bytes
            text = (head[:-4] if cut else head).decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return "unknown"
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
        return "unknown"
    lines = text.splitlines()[: -1 if cut else None]
    lines = [line for line in lines[:50] if line.strip()]
    ext_ok = name.endswith((".csv", ".tsv", ".tab"))  # a one-line table needs the name too
    order = (["\t"] if name.endswith((".tsv", ".tab")) else []) + [",", ";", "|", "\t"]
    try:
        order.insert(0, csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;|\t").delimiter)
    except csv.Error:
        pass
    for delim in order:
        widths = [len(row) for row in csv.reader(lines, delimiter=delim)]
        # Releases put title lines above the header ("Declined Detainers by County" alone on
        # line 1) and notes below: up to 3 narrower lines at either end are allowed.
        body = widths
        for _ in range(3):
            if len(body) > 2 and body[0] < max(body):
                body = body[1:]
            if len(body) > 2 and body[-1] < max(body):
                body = body[:-1]
        if len(body) >= (1 if ext_ok else 2) and len(set(body)) == 1 and body[0] >= 2:
            return "tsv" if delim == "\t" else "csv"
    return "unknown"


def describe_content(head: bytes) -> str:
    """What the first bytes look like, for an error that says why a file is not what it claims."""
    text = head[:1024].lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:512]:
        return "HTML"
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "XML/markup"
    if text.startswith(b"{") or text.startswith(b"["):
        return "JSON or text"
    if b"\x00" in head[:1024]:
        return "binary data"
    return "text"


def _name_lies(rel: str, kind: str, head: bytes) -> str | None:
    """Why the extension does not match the bytes (None when it does or promises nothing)."""
    ext = os.path.splitext(rel)[1].lower()
    expected = EXTENSION_KINDS.get(ext)
    if expected is None or kind in expected or kind in SUPPORTED:
        return None  # a readable kind under another name is read by its bytes
    what = {"zip": "a zip archive", "gzip": "a gzip stream"}.get(kind) or (
        describe_content(head) if kind == "unknown" else kind.upper())
    return f"not a {ext[1:].upper()} file: its content is {what}"
