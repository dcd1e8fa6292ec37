"""Cache keys for incremental runs: what a stored stage result depends on.

A document's extraction depends on its bytes (sha256), the extraction settings, the extraction
code and the engines under it: `extract_key`. Its rows depend on the extraction plus the
profile, the normalizers' code and reference data (gazetteer, offense taxonomy, aliases under
normalize/data) and the hand corrections: `normalize_key`. A rerun compares the stored keys with
the current ones and redoes only the stage whose key changed; `--force` redoes everything.

Why code digests and not the package version: the version stayed 0.1.0 for 90 commits while the
table builder changed under it, so after an upgrade old documents kept their old tables unless
the user knew to pass `--force`. A digest of the source files actually imported changes exactly
when the code does; documentation, tests and fixtures are not part of it, so editing the README
re-reads nothing.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

import extract
import normalize
from extract.pdf import ExtractSettings
from normalize.corrections import Corrections
from normalize.profiles import Profile

# Libraries whose output is the extraction: a new pdfplumber or tesseract may read a page
# differently, so their versions are part of the key.
EXTRACT_ENGINES = ("pdfplumber", "pdfminer.six", "pypdfium2", "camelot-py", "pytesseract",
                   "opencv-python-headless", "openpyxl")


def code_digest(root: Path) -> str:
    """sha256 over the Python sources under `root` (names and bytes, in sorted order).

    Only `.py` files count: a README, a cached `.pyc` or a test fixture beside the code does not
    change what the code does."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _engines() -> str:
    """Installed versions of EXTRACT_ENGINES and of the tesseract binary."""
    parts = []
    for name in EXTRACT_ENGINES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=-")
    try:
        import pytesseract

        parts.append(f"tesseract={pytesseract.get_tesseract_version()}")
    except Exception:  # no binary: OCR pages fail with their own error; the key still works
        parts.append("tesseract=-")
    return ";".join(parts)


@lru_cache(maxsize=1)
def extract_code_digest() -> str:
    """The extraction code and engines, read once per process."""
    h = hashlib.sha256()
    h.update(code_digest(Path(extract.__file__).parent).encode())
    h.update(_engines().encode())
    return h.hexdigest()[:16]


def extract_key(cfg: ExtractSettings) -> str:
    return f"{cfg.digest()}:{extract_code_digest()}"


@lru_cache(maxsize=1)
def reference_data_digest() -> str:
    """sha256 over every file of the normalizers' reference data (read once per process)."""
    h = hashlib.sha256()
    root = resources.files("normalize.data")

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif not child.name.endswith((".pyc", ".md")):
                h.update(f"{prefix}{child.name}\0".encode())
                h.update(child.read_bytes())
    walk(root, "")
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def normalize_code_digest() -> str:
    return code_digest(Path(normalize.__file__).parent)


def normalize_key(profile: Profile | None, corrections: Corrections) -> str:
    """What a document's rows depend on besides its extraction."""
    h = hashlib.sha256()
    for part in (normalize_code_digest(), repr(profile), reference_data_digest(),
                 repr(corrections)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]
