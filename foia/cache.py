"""Cache keys for incremental runs: what a stored stage result depends on.

A document's extraction depends on its bytes (sha256), the extraction settings and the code
(package version): `extract_key`. Its rows depend on the extraction plus the profile, the
normalizers' reference data (gazetteer, offense taxonomy, aliases under normalize/data) and the
hand corrections: `normalize_key`. A rerun compares the stored keys with the current ones and
redoes only the stage whose key changed; `--force` redoes everything.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

from extract.pdf import ExtractSettings
from foia import __version__
from normalize.corrections import Corrections
from normalize.profiles import Profile


def extract_key(cfg: ExtractSettings) -> str:
    return f"{cfg.digest()}:{__version__}"


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


def normalize_key(profile: Profile | None, corrections: Corrections) -> str:
    """What a document's rows depend on besides its extraction."""
    h = hashlib.sha256()
    for part in (__version__, repr(profile), reference_data_digest(), repr(corrections)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]
