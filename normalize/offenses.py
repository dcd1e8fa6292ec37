"""Offense text -> NCIC top-level categories, with a spaCy PhraseMatcher.

A cell such as "Assault; Dangerous Drugs, Weapon Offense", "Illegal Entry (INA SEC.101(a)(43)(O),
8USC1325 only)" or "5404" becomes the NCIC categories it mentions (upper case, as the NCIC code
manual names them), the most specific codes, the most serious category and the pieces that matched
nothing.

How. A custom tokenizer folds every word (normalize/data/offense_tokens.csv: abbreviations such as
"Poss." -> possess, function words dropped; plurals fold to the singular) and keeps each word's
character offsets; the same folding applies to the cell and to every wording. A PhraseMatcher
(attr LOWER) built from offense_wordings.csv finds the wordings and the longest match wins
(spacy.util.filter_spans). NCIC codes ("5404", "13XX") are read by regex. The cell is cut into
pieces at ; , / & and "and", except inside a match or parentheses, so "Obstruct Judiciary,
Congress, Legislature, Etc." stays whole; pieces matching nothing are reported, and a bare weapon
noun (role qualifier) counts only alone in its piece.

Speed. Cells repeat a few hundred wordings in many combinations, so a cell is first cut where no
wording can span the separator (the folded words on either side are no pattern's neighbours), and
each distinct chunk goes through nlp.pipe once; cells and chunks are cached.

Severity (most_serious) is ncic_categories.csv severity_rank: violent first in FBI UCR hierarchy
order (HOMICIDE, KIDNAPPING, SEXUAL ASSAULT, ROBBERY, ASSAULT), then other crimes against persons,
crimes against property (BURGLARY, LARCENY, STOLEN VEHICLE first), crimes against society
(DANGEROUS DRUGS, WEAPON OFFENSES ...), offenses against the state and the courts, public order,
TRAFFIC OFFENSES, and status offenses (IMMIGRATION) last. Rationale: normalize/data/SOURCES.md.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections import defaultdict, namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from operator import itemgetter

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

_WORD = re.compile(r"[^\W_]+|&")
_TOKEN = re.compile(r"(?<![^\W_])w/|[^\W_]+|[&;,/]", re.I)  # words (w/ = with), separators
BAR = "|"  # the token of ; , / so a wording spans one only where its own text has one
_CODE = re.compile(r"(?<![\w.$-])(\d{4}|\d\d[xX]{2})(?![\w$]|[.-]\d)")
_DATE = re.compile(r"\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b|\b\d{4}-\d\d-\d\d\b")
_SEPARATOR = re.compile(r"[;,&]|(?<!\bw)/|\band\b", re.IGNORECASE)  # not the / of w/
_SPLIT = re.compile(r"([;,&]|(?<!\bw)/|\band\b)", re.IGNORECASE)
_AND, _BARS = ("and", "and"), (BAR, BAR)
_PARENTHESES = re.compile(r"\((?:[^()]|\([^()]*\))*\)?")
_YEAR = re.compile(r"(19|20)\d\d")
_DIGIT = re.compile(r"\d")
_STRIP = " \t\r\n.-:*"
_CACHE_SIZE = 32_768
QUALIFIER = "qualifier"
CODE = "code"

# A folded word: (word, start, end) in the text. A mention: (start, end, code, category, role),
# role "" (a wording), QUALIFIER, or CODE (read by regex).
Word = tuple[str, int, int]
Mention = tuple[int, int, str, str, str]
_Match = namedtuple("_Match", "label start end")  # what filter_spans reads of a Span


@dataclass(frozen=True)
class OffenseMatch:
    """What an offense cell says, in NCIC terms."""

    categories: tuple[str, ...]
    codes: tuple[str, ...]
    most_serious: str | None
    unmatched: tuple[str, ...]


EMPTY = OffenseMatch((), (), None, ())


def _data_rows(name: str) -> list[dict[str, str]]:
    """Rows of a CSV in normalize/data ('#' lines are comments)."""
    with resources.files("normalize.data").joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _priority(row: dict[str, str]) -> int:
    """Which row wins when wordings fold alike: hand, catch-all code, code, category name."""
    source, code = row["source"], row["code_or_category"]
    if not source.startswith("ncic-"):
        return 0
    if source == "ncic-code":
        return 1 if code.endswith("99") else 2
    return 3


def fold_words(text: str, fold: dict[str, tuple[str, ...]]) -> list[Word]:
    """The text's words, folded (a word may become several words or none), with offsets."""
    out: list[Word] = []
    lowered = text.lower()
    lower_each = len(lowered) != len(text)  # a few characters lengthen when lowered
    for m in _TOKEN.finditer(text if lower_each else lowered):
        word = m.group().lower() if lower_each else m.group()
        folded = fold.get(word)
        if folded is None:
            out.append((word, m.start(), m.end()))
        else:
            out += [(w, m.start(), m.end()) for w in folded]
    return out


def _fold_table(wordings: list[dict[str, str]]) -> dict[str, tuple[str, ...]]:
    """offense_tokens.csv, plus plural -> singular for every word the wordings use."""
    table = {r["token"]: tuple(r["normal"].split()) for r in _data_rows("offense_tokens.csv")}
    vocab: set[str] = set()
    for row in wordings:
        for m in _WORD.finditer(row["pattern"]):
            vocab.update(table.get(m.group().lower(), (m.group().lower(),)))
    fold = dict(table) | {sep: (BAR,) for sep in ";,/"}
    for word in vocab:
        base = _singular(word)
        forms = {word, base + "s", base + "es"}
        if base.endswith("y"):
            forms.add(base[:-1] + "ies")
        for form in forms - {base} - set(table):
            fold[form] = (base,)
    return fold


class FoldingTokenizer:
    """Text -> Doc of folded words; doc.user_data["words"] holds each token's (word, start, end)."""

    def __init__(self, vocab, fold: dict[str, tuple[str, ...]]) -> None:
        self.vocab = vocab
        self.fold = fold

    def __call__(self, text: str) -> Doc:
        words = fold_words(text, self.fold)
        doc = Doc(self.vocab, words=[w for w, _, _ in words])
        doc.user_data["words"] = words
        return doc


class WordingMatcher:
    """Pipeline component: doc.user_data["matches"] = (label, start, end), longest wordings."""

    def __init__(self, nlp: Language, wordings: list[dict[str, str]]) -> None:
        self.best: dict[tuple[str, ...], tuple[int, str, str]] = {}
        self.rows_by_words: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
        for row in wordings:
            words = tuple(t.text for t in nlp.make_doc(row["pattern"]))
            while words and BAR in (words[0], words[-1]):  # "..., Etc." ends in a dropped word
                words = words[1:] if words[0] == BAR else words[:-1]
            if not words:
                continue
            self.rows_by_words[words].append(row)
            choice = (_priority(row), row["code_or_category"].upper(), row.get("role") or "")
            if words not in self.best or choice[0] < self.best[words][0]:
                self.best[words] = choice
        # how wordings hold a separator token: (before, sep, after) inside, (sep, after) at the
        # start, (before, sep) at the end; the chunker cuts only where none of these fits
        seps = (BAR, "and")
        self.around = {t for w in self.best for t in zip(w, w[1:], w[2:]) if t[1] in seps}
        self.around |= {w[:2] for w in self.best if w[0] in seps and len(w) > 1}
        self.around |= {w[-2:] for w in self.best if w[-1] in seps and len(w) > 1}
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        by_key: dict[str, list[Doc]] = defaultdict(list)
        for words, (_, code, role) in self.best.items():
            by_key[f"{code}|{role}"].append(Doc(nlp.vocab, words=list(words)))
        for key, docs in by_key.items():
            self.matcher.add(key, docs)

    def __call__(self, doc: Doc) -> Doc:
        matches = sorted(self.matcher(doc), key=itemgetter(1))
        if any(b[1] < a[2] for a, b in zip(matches, matches[1:])):  # overlaps: longest wins
            matches = filter_spans([_Match._make(m) for m in matches])
        doc.user_data["matches"] = matches
        return doc


@Language.factory("ncic_wording_matcher")
def _make_wording_matcher(nlp: Language, name: str) -> WordingMatcher:
    return WordingMatcher(nlp, _data_rows("offense_wordings.csv"))


class OffenseTagger:
    """Offense cells -> OffenseMatch; build once with `OffenseTagger.load()`."""

    def __init__(self) -> None:
        cats = _data_rows("ncic_categories.csv")
        self.category_of = {r["category_code"]: r["category"] for r in cats}
        self.severity = {r["category"]: int(r["severity_rank"]) for r in cats}
        self.codes = frozenset(r["code"] for r in _data_rows("ncic_codes.csv"))
        self.nlp = spacy.blank("en")
        self.fold = _fold_table(_data_rows("offense_wordings.csv"))
        self.nlp.tokenizer = FoldingTokenizer(self.nlp.vocab, self.fold)
        self.matcher: WordingMatcher = self.nlp.add_pipe("ncic_wording_matcher")
        self._labels = {}
        for _, code, role in self.matcher.best.values():
            label = self.nlp.vocab.strings.add(f"{code}|{role}")
            self._labels[label] = (code, self.category_of[code[:2]], role)
        self._cells: dict[str, OffenseMatch] = {}
        self._chunk_cache: dict[str, OffenseMatch] = {}
        self._edge_cache: dict[str, tuple[str, str]] = {}

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> OffenseTagger:
        """The shared tagger; the spaCy pipeline is built on the first call only."""
        return cls()

    @property
    def pattern_count(self) -> int:
        return len(self.matcher.best)

    def wording_collisions(self) -> list[tuple[str, list[str]]]:
        """Folded patterns whose rows name different categories, with their rows (winner first)."""
        out = []
        for words, rows in self.matcher.rows_by_words.items():
            if len({r["code_or_category"][:2] for r in rows}) > 1:
                ranked = sorted(rows, key=_priority)
                out.append((" ".join(words), [
                    f"{r['code_or_category']} ({r['source']}: {r['pattern']})" for r in ranked]))
        return out

    def clear_cache(self) -> None:
        """Forget every answer (the benchmark's cold passes; tests)."""
        self._cells.clear()
        self._chunk_cache.clear()
        self._edge_cache.clear()

    def tag(self, text: str | None) -> OffenseMatch:
        """The NCIC reading of one cell; empty for None or blank."""
        return self.tag_many([text])[0]

    def tag_many(self, texts: Iterable[str | None], batch_size: int = 1000) -> list[OffenseMatch]:
        """tag() for many cells; each distinct chunk goes through nlp.pipe once."""
        texts = [t if isinstance(t, str) and t.strip() else None for t in texts]
        if len(self._cells) > _CACHE_SIZE or len(self._chunk_cache) > _CACHE_SIZE:
            self.clear_cache()
        cells, known = self._cells, self._chunk_cache
        new = [t for t in dict.fromkeys(texts) if t is not None and t not in cells]
        # No wording holds a ";": cells listing offenses with it are read piece by piece, and
        # pieces repeat far more than whole cells do (parentheses may hold ";", so not those).
        listed = [t for t in new if ";" in t and "(" not in t]
        if listed:
            pieces = {t: [p.strip() for p in t.split(";") if p.strip()] for t in listed}
            missing = [p for ps in pieces.values() for p in ps if p not in cells]
            if missing:  # most pieces were read before: only new ones go through spaCy
                self.tag_many(missing, batch_size)
            for t, ps in pieces.items():
                found = [cells[p] for p in ps]
                cells[t] = found[0] if len(found) == 1 else self._merge(found)
            new = [t for t in new if t not in cells]
        chunks = {t: self._chunks(t) for t in new}
        todo = [c for c in dict.fromkeys(c for t in new for c in chunks[t]) if c not in known]
        for chunk, doc in zip(todo, self.nlp.pipe(todo, batch_size=batch_size)):
            known[chunk] = self._read(chunk, doc)
        for t in new:
            found = [known[c] for c in chunks[t]]
            cells[t] = found[0] if len(found) == 1 else self._merge(found)
        return [EMPTY if t is None else cells[t] for t in texts]

    def _chunks(self, text: str) -> list[str]:
        """The text cut at the separators no wording can span, so each chunk reads alone.

        A separator is a token ("and", or BAR for ; , /); a wording can hold it only with the
        same words around it ("Hit and Run", "Obstruct Judiciary, Congress, ..."). Separators in
        parentheses or dates are never cut.
        """
        parts = _SPLIT.split(text)  # text, separator, text, ...
        if len(parts) == 1:
            return [text.strip()]
        memo = self._edge_cache
        ends = []  # first and last folded word of every part; an "and" separator is a word too
        for k, part in enumerate(parts):
            edge = memo.get(part) if k % 2 == 0 else _AND if part[0] in "aA&" else _BARS
            if edge is None:
                edge = memo[part] = self._edge_words(part)
            ends.append(edge)
        before, after, word = [""] * len(ends), [""] * len(ends), ""
        for k, (_, last) in enumerate(ends):
            word = last or word
            before[k] = word
        word = ""
        for k in range(len(ends) - 1, -1, -1):
            word = ends[k][0] or word
            after[k] = word
        guarded = [m.span() for m in _PARENTHESES.finditer(text)] if "(" in text else []
        if _DIGIT.search(text):
            guarded += [m.span() for m in _DATE.finditer(text)]
        guarded = _disjoint(guarded)
        around = self.matcher.around
        out, begin, pos = [], 0, 0
        for k in range(1, len(parts), 2):
            pos += len(parts[k - 1])
            left, token, right = before[k - 1], ends[k][0], after[k + 1]
            spanned = ((left, token, right) in around or (token, right) in around
                       or (left, token) in around)
            if not spanned and not _inside(guarded, pos):
                out.append("".join(parts[begin:k]).strip())
                begin = k + 1
            pos += len(parts[k])
        out.append("".join(parts[begin:]).strip())
        return [c for c in out if c]

    def _edge_words(self, part: str) -> tuple[str, str]:
        """The first and last folded word of a part ("" when it has none)."""
        words = [w for w, _, _ in fold_words(part, self.fold)]
        return (words[0], words[-1]) if words else ("", "")

    def _merge(self, found: list[OffenseMatch]) -> OffenseMatch:
        """One reading of several pieces, in order of first mention (runs once per new cell)."""
        categories: dict[str, None] = {}
        codes: dict[str, None] = {}
        unmatched: tuple[str, ...] = ()
        for m in found:
            for c in m.categories:
                categories[c] = None
            for c in m.codes:
                codes[c] = None
            if m.unmatched:
                unmatched += m.unmatched
        most = min(categories, key=self.severity.__getitem__) if categories else None
        return OffenseMatch(tuple(categories), tuple(codes), most, unmatched)

    def _mentions(self, text: str, doc: Doc) -> list[Mention]:
        words, labels = doc.user_data["words"], self._labels
        found = [(words[s][1], words[e - 1][2], *labels[label])
                 for label, s, e in doc.user_data["matches"]]
        if _DIGIT.search(text):
            dates = [m.span() for m in _DATE.finditer(text)]
            for m in _CODE.finditer(text):
                code = m.group(1).upper()
                known = code in self.codes or (code.endswith("XX") and code[:2] in self.category_of)
                if known and not _inside(dates, m.start()):  # finditer: sorted, disjoint
                    found.append((m.start(1), m.end(1), code, self.category_of[code[:2]], CODE))
            found.sort()
        return found

    def _pieces(self, text: str, mentions: list[Mention]) -> list[tuple[int, int]]:
        """(start, end) of the pieces: cut at separators outside matches and parentheses."""
        cuts = list(_SEPARATOR.finditer(text))
        if not cuts:
            return [(0, len(text))]
        whole = [(x[0], x[1]) for x in mentions]
        if "(" in text:
            whole += [m.span() for m in _PARENTHESES.finditer(text)]
        whole = _disjoint(whole)
        bounds = [0]
        for m in cuts:
            if not _inside(whole, m.start()):
                bounds += m.span()
        bounds.append(len(text))
        return list(zip(bounds[::2], bounds[1::2]))

    def _is_blank(self, piece: str) -> bool:
        """True when every word of the piece folds away (function words such as "Etc.")."""
        return all(w == BAR for w, _, _ in fold_words(piece, self.fold))

    def _read(self, text: str, doc: Doc) -> OffenseMatch:
        mentions = self._mentions(text, doc)
        kept: list[Mention] = []
        unmatched: list[str] = []
        i = 0
        for a, b in self._pieces(text, mentions):
            j = i
            while j < len(mentions) and mentions[j][0] < b:
                j += 1
            here, i = mentions[i:j], j
            if not here:
                piece = text[a:b].strip(_STRIP)
                if piece and not self._is_blank(piece):
                    unmatched.append(piece)
            elif len(here) == 1:
                kept += here
            else:
                kept += _most_specific(_drop_context(here))
        categories = tuple(dict.fromkeys(x[3] for x in kept))
        most = min(categories, key=self.severity.__getitem__) if categories else None
        codes = tuple(dict.fromkeys(x[2] for x in kept))
        return OffenseMatch(categories, codes, most, tuple(unmatched))


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted and merged where they overlap, for `_inside`."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    """Whether `pos` lies in one of the sorted disjoint `spans`. A bisection: testing every span
    at every separator was quadratic (a 60,000-character cell of dates took 6 s to cut;
    tests/test_fuzz.py)."""
    i = bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and pos < spans[i][1]


def _drop_context(here: list[Mention]) -> list[Mention]:
    """Drop qualifiers beside an offense, and years beside words (a date there, not ARSON)."""
    if any(x[4] != QUALIFIER for x in here):
        here = [x for x in here if x[4] != QUALIFIER]
    if any(x[4] != CODE for x in here):
        here = [x for x in here if not (x[4] == CODE and _YEAR.fullmatch(x[2]))]
    return here


def _specificity(code: str) -> int:
    return 0 if code.endswith("XX") else 1 if code.endswith("99") else 2


def _most_specific(mentions: list[Mention]) -> list[Mention]:
    """Within one piece, per category, only the mentions with the most specific codes."""
    best: dict[str, int] = {}
    for x in mentions:
        best[x[3]] = max(best.get(x[3], 0), _specificity(x[2]))
    return [x for x in mentions if _specificity(x[2]) == best[x[3]]]
