"""Issue 16's size limits, checked rather than promised: no library module over ~500 lines and
no function over ~60 lines unless its docstring gives the reason (then it says "long because")."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ("foia", "extract", "normalize")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return [p for pkg in LIBRARY for p in sorted((ROOT / pkg).rglob("*.py"))
            if "__pycache__" not in p.parts]


def test_no_library_module_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_over_60_lines_without_a_reason():
    long = []
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                doc = ast.get_docstring(node) or ""
                if n > MAX_FUNCTION_LINES and "long because" not in doc.lower():
                    long.append(f"{p.relative_to(ROOT)}:{node.name} ({n} lines)")
    assert long == []
