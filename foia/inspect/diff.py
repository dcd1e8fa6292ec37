"""Re-release diff: rows added, removed and changed between two stores of the same series.

Record ids come from the document's hash and the row's position, so they change whenever a
release is re-issued; rows are matched by what they say instead, in four passes, each on what
the passes before left unmatched:

1. Same content, same table (`rows` with `rows`, `rejects` with `rejects`). A row's content is
   its profile, kind, total flag and canonical `fields` minus `VOLATILE_FIELDS` (how the
   gazetteer matched: method and score, a property of the matcher, not of the release), plus
   its redaction codes; a row without fields, and every reject, is its raw cell texts by
   header. Canonical values make a re-typed date ("3/8/17" against "03/08/2017") no change.
   Provenance (file, page, box, position, record id) is never content. Duplicates count:
   three equal rows in A and two in B are two matches and one removal.
2. A reject of one release and a row of the other with the same raw cells (the row was fixed
   by something else, e.g. a Total that now adds up): changed, with the table and reasons.
3. Similar content, same table, profile, kind and total flag: changed, naming the fields that
   differ (old -> new).
4. Similar raw cells, a reject against a row (a bad date corrected): changed.
The rest are removed (only in A) or added (only in B).

Similar (`_similar`), meant to be cautious: a wrong "changed" claims an edit that did not
happen, a missed one only shows as removed + added. Two rows pair when at most a quarter of
the fields present on either side differ (or a single one), and their text fields (values
that are not numbers) are alike: mean rapidfuzz ratio >= 0.8. A county's count corrected
differs in one field of five (paired); another county with the same count differs in name,
county and FIPS (not paired); an AOR renamed with the same count differs in one field but its
only text field is unlike (not paired); two detainees of one jail differ in citizenship,
dates and offenses (not paired); a corrected date or policy text is one field (paired).
Numbers are left out of the text mean: "27" against "28" says nothing about identity.

Pairing is one-to-one and deterministic: the best pairs first (similarity, then share of
equal fields), ties to the earliest rows of A and then B (source file, table, row). Candidate
pairs come from a prefix filter, never from all pairs: tokens are (field, value); a pair with
at most k of its fields different shares one of the k + 1 rarest tokens of each side (the
prefix-filter lemma), so only rows sharing such a rare token are compared, at most
`MAX_CANDIDATES` per row (the rarest tokens first).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.fuzz import ratio

from foia.inspect.diff_items import _is_number_text, _Item, _load, _norm, _table_index

# Pairing rule for changed rows (see the module docstring).
MAX_DIFFERENT_SHARE = 0.25
MIN_SIMILARITY = 0.8
# Rows compared with one unmatched row at most (rarest shared tokens first).
MAX_CANDIDATES = 32
STATUSES = ("changed", "removed", "added", "unchanged")


@dataclass
class Change:
    field: str
    old: object
    new: object

    def text(self) -> str:
        return f"{self.field}: {_show(self.old)} -> {_show(self.new)}"


@dataclass
class Entry:
    """One row's fate: unchanged, changed (both sides), removed (A only) or added (B only)."""

    status: str
    profile: str
    kind: str
    table_a: str | None
    table_b: str | None
    a: dict | None  # record_id, source_file, source_sha256, page, bbox, source_link, ...
    b: dict | None
    changes: list[Change] = field(default_factory=list)
    similarity: float | None = None

    def to_dict(self) -> dict:
        return {"status": self.status, "profile": self.profile, "kind": self.kind,
                "table_a": self.table_a, "table_b": self.table_b,
                "changes": [{"field": c.field, "old": c.old, "new": c.new}
                            for c in self.changes],
                "similarity": self.similarity, "a": self.a, "b": self.b}


@dataclass
class Diff:
    a: str
    b: str
    changed: list[Entry] = field(default_factory=list)
    added: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)
    # matched rows with equal content, kept as pairs: entries are made when first asked for
    _same: list[tuple[_Item, _Item, float]] = field(default_factory=list, repr=False)
    _unchanged: list[Entry] | None = field(default=None, repr=False)

    @property
    def unchanged(self) -> list[Entry]:
        if self._unchanged is None:
            self._unchanged = [_entry("unchanged", x, y, [], sim) for x, y, sim in self._same]
        return self._unchanged

    def counts(self) -> dict[str, int]:
        return {"changed": len(self.changed), "removed": len(self.removed),
                "added": len(self.added), "unchanged": len(self._same)}

    def counts_by_kind(self) -> dict[str, dict[str, int]]:
        """{"rows:ddor/jurisdiction_counts": {"changed": 1, ...}, ...} (table of side B, or A)."""
        out: dict[str, Counter] = defaultdict(Counter)
        for status, items in (("changed", self.changed), ("removed", self.removed),
                              ("added", self.added)):
            for e in items:
                out[f"{e.table_b or e.table_a}:{e.profile}/{e.kind}"][status] += 1
        for _, y, _ in self._same:
            out[f"{y.table}:{y.profile}/{y.kind}"]["unchanged"] += 1
        return {k: {s: v[s] for s in STATUSES} for k, v in sorted(out.items())}

    def differences(self) -> Iterator[Entry]:
        """Changed, removed, then added entries, each in source order."""
        yield from self.changed
        yield from self.removed
        yield from self.added


# --- matching ----------------------------------------------------------------------------


def _min_equal(n: int) -> int:
    """Equal fields two rows with n fields (on either side) need to be paired: all but
    a quarter of them, or all but one; and always at least one."""
    return max(1, n - max(1, int(MAX_DIFFERENT_SHARE * n)))


def _similar(a: dict[str, str], b: dict[str, str], measures: frozenset[str],
             equal: int | None = None) -> tuple[float, float] | None:
    """(similarity, share of equal fields) if a and b pass the pairing rule, else None."""
    keys = sorted(a.keys() | b.keys())  # a fixed order: the same sums on every run
    if equal is None:
        equal = sum(1 for k in keys if a.get(k) == b.get(k))
    if equal < _min_equal(len(keys)):
        return None
    share = equal / len(keys)
    texts = [k for k in keys if k not in measures]
    if texts:
        sim = sum(1.0 if a.get(k) == b.get(k) else ratio(a.get(k) or "", b.get(k) or "") / 100
                  for k in texts) / len(texts)
    else:
        sim = share
    return (sim, share) if sim >= MIN_SIMILARITY else None


def _fuzzy_pairs(left: list[_Item], right: list[_Item], view
                 ) -> list[tuple[_Item, _Item, float]]:
    """Greedy one-to-one pairs of similar items; `view(item)` gives (values, measures)."""
    if not left or not right:
        return []
    lv = [view(i) for i in left]
    rv = [view(i) for i in right]
    ltok = [frozenset(v.items()) for v, _ in lv]
    rtok = [frozenset(v.items()) for v, _ in rv]
    freq: Counter = Counter()
    for toks in ltok + rtok:
        freq.update(toks)

    def prefix(vals: dict[str, str]) -> list[tuple[str, str]]:
        toks = sorted(vals.items(), key=lambda t: (freq[t], t))
        return toks[:len(toks) - _min_equal(len(toks)) + 1]

    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, (vals, _) in enumerate(rv):
        for tok in prefix(vals):
            index[tok].append(j)
    scored = []
    for i, (vals, meas) in enumerate(lv):
        if not vals:
            continue
        seen: set[int] = set()
        tok_i = ltok[i]
        need = _min_equal(len(vals))  # a lower bound (the union has at least len(vals))
        for tok in prefix(vals):
            for j in index.get(tok, ()):
                if j in seen:
                    continue
                seen.add(j)
                equal = len(tok_i & rtok[j])  # cheap test first: enough equal fields?
                if equal >= need and (got := _similar(vals, rv[j][0], meas | rv[j][1], equal)):
                    scored.append((-got[0], -got[1], left[i].order, right[j].order, i, j,
                                   got[0]))
                if len(seen) >= MAX_CANDIDATES:
                    break
            else:
                continue
            break
    scored.sort()
    used_l: set[int] = set()
    used_r: set[int] = set()
    out = []
    for *_, i, j, sim in scored:
        if i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        out.append((left[i], right[j], sim))
    return out


def _field_view(it: _Item) -> tuple[dict[str, str], frozenset[str]]:
    return it.values, it.measures


def _raw_view(it: _Item) -> tuple[dict[str, str], frozenset[str]]:
    return it.raw, frozenset(k for k, v in it.raw.items() if _is_number_text(v))


def _changes(a: _Item, b: _Item) -> list[Change]:
    out = []
    if a.table != b.table:
        out.append(Change("_table", a.table, b.table))
    if a.basis == b.basis and a.table == b.table:
        olds, news = a.shown, b.shown
    else:  # a reject against a row: compare what both have, the raw cells
        olds, news = a.raw, b.raw
    for k in list(olds) + [k for k in news if k not in olds]:
        if _norm(olds.get(k)) != _norm(news.get(k)):
            out.append(Change(k, olds.get(k), news.get(k)))
    if (a.reasons or None) != (b.reasons or None):
        out.append(Change("reasons", a.reasons, b.reasons))
    return out


def _entry(status: str, a: _Item | None, b: _Item | None, changes: list[Change] | None = None,
           similarity: float | None = None) -> Entry:
    ref = a or b
    assert ref is not None

    def side(it: _Item | None) -> dict | None:
        if it is None:
            return None
        out = it.record()
        out["values"] = it.shown
        if it.reasons:
            out["reasons"] = it.reasons
        return out

    return Entry(status, ref.profile, ref.kind, a.table if a else None, b.table if b else None,
                 side(a), side(b), changes or [],
                 round(similarity, 4) if similarity is not None else None)


def diff_stores(a: Path, b: Path, *, include_rejects: bool = True) -> Diff:
    """Rows (and rejects) of store A against store B: output folders or .sqlite files.

    The four passes of the module docstring, each on what the passes before left."""
    left, right = _load(Path(a), include_rejects), _load(Path(b), include_rejects)
    m = _Pairing(left, right, Diff(str(a), str(b)))
    m.exact()
    m.reject_against_row()
    m.similar()
    if include_rejects:
        m.similar_raw()
    return m.finish()


def _raw_key(it: _Item) -> tuple:
    return (it.profile, it.kind, tuple(sorted(it.raw.items())))


def _same_group(it: _Item) -> tuple:
    return (it.table, it.profile, it.kind, it.is_total, it.basis)


def _kind_of(it: _Item) -> tuple:
    return (it.profile, it.kind)


class _Pairing:
    """The rows of A and B still free, the pairs found so far, and the four passes."""

    def __init__(self, left: list[_Item], right: list[_Item], out: Diff) -> None:
        self.left, self.right, self.out = left, right, out
        self.free_l, self.free_r = set(range(len(left))), set(range(len(right)))
        self.pos_l = {id(it): n for n, it in enumerate(left)}
        self.pos_r = {id(it): n for n, it in enumerate(right)}

    def take(self, i: int, j: int) -> None:
        self.free_l.discard(i)
        self.free_r.discard(j)

    def exact(self) -> None:
        """1. exact content, same table (a multiset: the nth equal row of A to the nth of B).
        First on the stored texts (no parsing: a re-issued release is mostly this), then on
        the parsed content of what is left (same fields, other raw text or field order)."""
        left, right, out = self.left, self.right, self.out
        for keyed in (lambda it: it.fast, lambda it: it.key):
            by_key: dict[tuple, list[int]] = defaultdict(list)
            for j in sorted(self.free_r):
                by_key[keyed(right[j])].append(j)
            cursor: Counter = Counter()
            for i in sorted(self.free_l):
                k = keyed(left[i])
                js = by_key.get(k)
                if js and cursor[k] < len(js):
                    j = js[cursor[k]]
                    cursor[k] += 1
                    self.take(i, j)
                    x, y = left[i], right[j]
                    if x.reasons != y.reasons:  # equal rejects, other reasons
                        out.changed.append(_entry("changed", x, y, _changes(x, y), 1.0))
                    else:
                        out._same.append((x, y, 1.0))

    def reject_against_row(self) -> None:
        """2. a reject on one side, a row on the other, the same raw cells."""
        left, right = self.left, self.right
        for want_l, want_r in (("rejects", "rows"), ("rows", "rejects")):
            pool: dict[tuple, list[int]] = defaultdict(list)
            for j in sorted(self.free_r):
                if right[j].table == want_r and right[j].raw:
                    pool[_raw_key(right[j])].append(j)
            for i in sorted(self.free_l):
                if left[i].table != want_l or not left[i].raw:
                    continue
                js = pool.get(_raw_key(left[i]))
                if js:
                    j = js.pop(0)
                    self.take(i, j)
                    self.out.changed.append(_entry("changed", left[i], right[j],
                                                   _changes(left[i], right[j]), 1.0))

    def _buckets(self, items: list[_Item], free: set[int], key) -> dict[tuple, list[_Item]]:
        got: dict[tuple, list[_Item]] = defaultdict(list)
        for n in sorted(free):
            got[key(items[n])].append(items[n])
        return got

    def similar(self) -> None:
        """3. similar content, same table, same (profile, kind, total flag, basis)."""
        bl = self._buckets(self.left, self.free_l, _same_group)
        br = self._buckets(self.right, self.free_r, _same_group)
        for k in sorted(bl.keys() & br.keys(), key=repr):
            view = _field_view if k[4] == "fields" else _raw_view
            for x, y, sim in _fuzzy_pairs(bl[k], br[k], view):
                self.take(self.pos_l[id(x)], self.pos_r[id(y)])
                changes = _changes(x, y)  # none: equal once spaces are collapsed
                if changes:
                    self.out.changed.append(_entry("changed", x, y, changes, sim))
                else:
                    self.out._same.append((x, y, sim))

    def similar_raw(self) -> None:
        """4. similar raw cells, a reject against a row."""
        left, right = self.left, self.right
        for want_l, want_r in (("rejects", "rows"), ("rows", "rejects")):
            bl = self._buckets(left, {n for n in self.free_l if left[n].table == want_l},
                               _kind_of)
            br = self._buckets(right, {n for n in self.free_r if right[n].table == want_r},
                               _kind_of)
            for k in sorted(bl.keys() & br.keys()):
                for x, y, sim in _fuzzy_pairs(bl[k], br[k], _raw_view):
                    self.take(self.pos_l[id(x)], self.pos_r[id(y)])
                    self.out.changed.append(_entry("changed", x, y, _changes(x, y), sim))

    def finish(self) -> Diff:
        """The rest removed (A only) or added (B only); changes in source order."""
        out = self.out
        out.removed = [_entry("removed", self.left[i], None) for i in sorted(self.free_l)]
        out.added = [_entry("added", None, self.right[j]) for j in sorted(self.free_r)]
        order = {id(e): n for n, e in enumerate(out.changed)}
        out.changed.sort(key=lambda e: (_pos(e.a), _pos(e.b), order[id(e)]))
        return out


def _pos(side: dict | None) -> tuple:
    if side is None:
        return ("",)
    return (side["table"], side["source_file"] or "", _table_index(side["table_id"]),
            side["row_index"] if side["row_index"] is not None else -1)


def _show(v: object) -> str:
    if v is None:
        return "(none)"
    return v if isinstance(v, str) else json.dumps(v, default=str)
