#!/usr/bin/python3
"""Build the workbench's English plain-text corpus for T5 span-corruption pretraining.

Sources (one output file per family, one sentence or short document per line, UTF-8):
  dictionary.txt  definitions, usage notes and quoted examples from the Debian packages
                  dict-gcide (GNU Collaborative International Dictionary of English) and
                  dict-wn (WordNet 3.0), each line led by the word(s) it defines, with all
                  dictd markup removed;
  glue.txt        the sentences of the GLUE *training* files under <shared>/glue.

Every line whose normalised text (lower-case, whitespace collapsed) equals any field of any
dev.tsv or test.tsv under <shared>/glue is dropped, from every source; the whole corpus is then
deduplicated on normalised text, keeping the first occurrence (dictionary before glue).
Standard library only; same inputs give byte-identical outputs.

    python3 tools/corpus/make_pretraining_corpus.py [--shared ../shared/data] [--out DIR]
"""

import argparse
import codecs
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DICTD = "/usr/share/dictd"
APT_FIX = "apt-get install dict-gcide dict-wn"

PACKAGES = {
    # package: (dictd basename, licence as stated in /usr/share/doc/<package>/copyright)
    "dict-gcide": ("gcide", "GPL-2+ (GCIDE: GNU GPL version 2 or any later version)"),
    "dict-wn": ("wn", "WordNet-3.0 (Princeton WordNet 3.0 licence; keep its copyright notice)"),
}

# GLUE training files and the columns that hold text. Each file's layout was checked by hand:
#   SST-2/train.tsv          header "sentence<TAB>label"
#   partial/CoLA/train.tsv   no header, "sentence<TAB>label" (lower-cased, tokenised)
#   partial/MRPC/train.tsv   no header, quality, id1, id2, string1, string2
#   partial/STS-B/train.tsv  no header, index genre filename year old_index source1 source2 s1 s2 score
#   partial/RTE/train.tsv    header "index sentence1 sentence2 label"
GLUE_TRAIN = [
    ("SST-2/train.tsv", {"header": True, "columns": ["sentence"], "ncols": 2}),
    ("partial/CoLA/train.tsv", {"header": False, "columns": [0], "ncols": 2}),
    ("partial/MRPC/train.tsv", {"header": False, "columns": [3, 4], "ncols": 5}),
    ("partial/STS-B/train.tsv", {"header": False, "columns": [7, 8], "ncols": 10}),
    ("partial/RTE/train.tsv", {"header": True, "columns": ["sentence1", "sentence2"], "ncols": 4}),
]
GLUE_LICENCE = ("each task's original dataset licence (SST-2, CoLA, MRPC, STS-B, RTE); "
                "see shared/data/README.md and glue/partial/STS-B/LICENSE.txt")


class Fatal(Exception):
    pass


# --------------------------------------------------------------------------------------------
# generic text helpers

def norm_key(text):
    return " ".join(text.lower().split())


WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")


MAX_CHARS = 2000  # longer "lines" in GCIDE are pasted tables, fact sheets and poems


def acceptable(line, min_words):
    """Natural-text filter shared by all sources."""
    if len(WORD_RE.findall(line)) < min_words or len(line) > MAX_CHARS:
        return False
    if re.search(r"[=_~#*+-]{4,}", line):
        return False  # table rules
    visible = [c for c in line if not c.isspace()]
    letters = sum(1 for c in visible if c.isalpha())
    if letters < 0.6 * len(visible):
        return False
    return True


def tidy(text):
    """Collapse whitespace and repair the spacing that markup removal leaves behind."""
    text = " ".join(text.split())
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"\s+([,;:.!?)])", r"\1", text)
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"\.\s*,", ".", text)
    text = re.sub(r"\s+", " ", text)
    text = text.strip(" ,;:-")
    return text


def join_lines(lines):
    """Join wrapped lines; dictfmt also wraps after the hyphen of a compound ("ex-\\nhusband")."""
    out = ""
    for raw in lines:
        s = raw.strip()
        if not s:
            continue
        if out and re.search(r"[A-Za-z]-$", out) and not out.endswith("--") and s[0].isalpha():
            out += s
        elif out:
            out += " " + s
        else:
            out = s
    return out


# --------------------------------------------------------------------------------------------
# dictd files

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
B64V = {c: i for i, c in enumerate(B64)}


def b64num(s):
    n = 0
    for c in s:
        n = n * 64 + B64V[c]
    return n


def _bad_byte(err):
    # GCIDE has three stray Windows-1252 bytes among its UTF-8 (an apostrophe, "ç", an apostrophe).
    table = {0x92: "’", 0xB9: "’", 0xE7: "ç"}
    b = err.object[err.start]
    return table.get(b, bytes([b]).decode("latin-1")), err.start + 1


codecs.register_error("corpus_cp1252", _bad_byte)


def read_dictd(base):
    """Yield the text of every article of /usr/share/dictd/<base>, in file order, once each."""
    index = os.path.join(DICTD, base + ".index")
    data = os.path.join(DICTD, base + ".dict.dz")
    for path in (index, data):
        if not os.path.isfile(path):
            raise Fatal(f"{path} is missing: reinstall with apt-get install --reinstall "
                        f"dict-gcide dict-wn")
    spans = set()
    with open(index, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith("00-"):  # 00-database-info etc.
                continue
            spans.add((b64num(parts[1]), b64num(parts[2])))
    with gzip.open(data, "rb") as f:
        blob = f.read()
    for off, length in sorted(spans):
        yield blob[off:off + length].decode("utf-8", errors="corpus_cp1252")


# --------------------------------------------------------------------------------------------
# GCIDE

COMBINING = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303",
             ",": "\u0327"}
LIGATURE = {"ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ"}
ENTITIES = {
    "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "imac": "ī", "eth": "ð", "thorn": "þ",
    "yogh": "ȝ", "ng": "ŋ", "th": "th", "aum": "ä", "udd": "ü", "asl": "a", "add": "a",
    "root": "√", "cuberoot": "∛", "deg": "°", "sect": "§", "para": "¶", "dagger": "†",
    "dag": "†", "ddagger": "‡", "middot": "·", "times": "×", "div": "÷", "divby": "÷",
    "rarr": "→", "larr": "←", "pounds": "£", "min": "′", "sec": "″", "prime": "′",
    "bprime": "″", "sharp": "♯", "flat": "♭", "natural": "♮", "hand": "☞", "nbsp": " ",
    "ldquo": "“", "rdquo": "”", "ldqo": "“", "rdqo": "”", "lsquo": "‘", "rsquo": "’",
    "frac12": "½", "frac14": "¼", "frac34": "¾", "frac13": "⅓", "frac23": "⅔",
    "frac18": "⅛", "frac38": "⅜", "frac58": "⅝", "frac78": "⅞", "zdot": "ż", "dsdot": "ḍ",
    "crescent": "☾", "break": " ", "sb": " ", "colret": " ", "bar": "", "ounceap": "℥",
    "drachm": "ʒ", "scruple": "℈",
    "pause": "", "umlaut": "\u0308", "cre": "", "mdash": "—", "ndash": "–", "oomac": "oo",
    "lbar": "", "cedil": "\u0327", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ",
    "epsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "rho": "ρ",
    "sigma": "σ", "sigmat": "ς", "tau": "τ", "upsilon": "υ", "phi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "digamma": "ϝ", "Alpha": "Α", "Beta": "Β", "Gamma": "Γ",
    "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
ACCENT_PRE = re.compile(r"\[([\'`\"^~=\-.,*])([A-Za-z]{1,2})\]")
ACCENT_POST = re.compile(r"\[([A-Za-z]{1,2})\^\]")
ENTITY_RE = re.compile(r"\[(" + "|".join(sorted(ENTITIES, key=len, reverse=True)) + r")\]")


def _accent_pre(m):
    mark, base = m.group(1), m.group(2)
    base = LIGATURE.get(base, base)
    return base + COMBINING.get(mark, "")


def map_entities(text):
    text = ACCENT_PRE.sub(_accent_pre, text)
    text = ACCENT_POST.sub(lambda m: LIGATURE.get(m.group(1), m.group(1)), text)
    text = ENTITY_RE.sub(lambda m: ENTITIES[m.group(1)], text)
    return unicodedata.normalize("NFC", text)


# Bracketed text kept (brackets removed): editorial insertions inside quotations, "[He] said".
INSERTIONS = {"he", "she", "they", "it", "we", "i", "you", "thou", "ye", "the", "a", "an",
              "god", "jesus", "christ", "him", "her", "them", "his", "its", "their", "is",
              "are", "was", "were", "be", "been", "shall", "will", "and", "or", "to", "of",
              "in", "that", "this", "men", "man", "love", "money", "not", "who", "which", "self"}

# Bracketed labels dropped even though they look like words: "[archaic]", "[slang]".
LABEL_WORDS = {"obs", "obsolete", "archaic", "informal", "slang", "vulgar", "acronym", "rare",
               "colloq", "humorous", "jocular", "jocose", "cant", "low", "poetic", "recent",
               "sportive", "familiar", "local", "dial", "prov", "r", "fig", "eng", "canada",
               "india"}


def _bracket(m):
    inner = m.group(1).strip()
    words = inner.lower().split()
    if words and len(words) <= 3 and all(w in INSERTIONS for w in words) \
            and not (len(words) == 1 and words[0] in LABEL_WORDS):
        return inner
    return " "  # labels ("[Obs.]", "[slang]", "[proper name]"), sense numbers, notes


# A source tag ends a unit; anything after it on the same line is a stray headword or a run of
# derived forms ("[1913 Webster] -- {Sloth"ful*ly}, adv."), never prose.
SOURCE_TAG = re.compile(r"^\s*\[(?:[^\]]*(?:Webster|WordNet|PJC|Century)[^\]]*|[A-Z]{2,5}\d*\.?)\]"
                        r"(?:\s.*)?$")
SOURCE_TAG_INLINE = re.compile(r"(?<=\S)\s+\[[^\]]*(?:Webster|WordNet|PJC)[^\]]*\].*$")
PHRASE_LINE = re.compile(r"^ {3}\{[^{}]*\}(?:\s+or\s+\{[^{}]*\})*\s*(?:\([^()]*\)\s*)*,")
SENSE_START = re.compile(r"^ {1,10}(?:\d+\.|\([a-z]\)|\([ivx]+\))\s")
LABEL_START = re.compile(r"^ {1,10}(?:Syn|Usage|Note|Specifically|Hence)\s*:")
CITATION = re.compile(r"\s*--(?=[A-Z0-9(\[])[^\"\[{]*?(?=\s+\"|\s+--\s|\s+\[|\s+\{|\s+\([a-z]\)\s|$)")
DERIVED = re.compile(r"(?:^|\s)--\s*\{[^{}]*\}(?:,?\s*(?:[a-z]{1,6}\.|&|or|\([^()]*\)))*")
DERIVED_LEAD = re.compile(r"^\{[^{}]*[*\"`][^{}]*\},\s*(?:[a-z]{1,6}\.\s*)+")
FIELD_LABEL = re.compile(r"\((?:[A-Z][a-z]*\.?\s*|&\s*|[a-z]+\.\s*)*(?:[A-Z][a-z]*\.|Law|Music|"
                         r"Mining|Botany|Zoology|Architecture)\)")
SEE_REF = re.compile(r"\b(?:[Ss]ee|Cf\.|[Cc]ompare)\s+(?:also\s+|under\s+)?\{[^{}]*\}"
                     r"(?:[^.;{}]*\{[^{}]*\})*[^.;]*[.;]?")
PHRASE_LEAD = re.compile(r"^(?:\{[^{}]*\}\s*(?:,?\s*(?:or|and)\b|,)?\s*)+(?:\([^()]*\)\s*)*"
                         r"(?:[a-z]{1,6}\.\s*)*[,.]\s*")


def skip_balanced(s, i, open_c, close_c):
    depth = 0
    for j in range(i, len(s)):
        if s[j] == open_c:
            depth += 1
        elif s[j] == close_c:
            depth -= 1
            if depth == 0:
                return j + 1
    return -1


def strip_header(s):
    """Remove headword(s), pronunciation, part of speech and etymology from a header unit."""
    m = re.match(r"^[^\\]*\\[^\\]*\\", s)
    if not m:
        return ""  # a stray column-0 line (word lists, leftovers), not an entry
    i = m.end()
    plural = False  # inside "pl. E. {Abacuses}, L. {Abaci}": braces there are inflected forms
    while True:
        while i < len(s) and s[i] in " ,;":
            i += 1
        if i >= len(s):
            return ""
        if s[i] in "([{":
            close = {"(": ")", "[": "]", "{": "}"}[s[i]]
            if s[i] == "{" and not plural and not re.match(
                    r"\{[^{}]*\}\s*[,;(]?\s*(?:[a-z]{1,6}\.|\(|\[)", s[i:]):
                break
            j = skip_balanced(s, i, s[i], close)
            if j < 0:
                return ""
            i = j
            continue
        m2 = re.match(r"(?:or|and|&)\s+|(?:[^\s\\,;]+\s*){1,5}\\[^\\]*\\|"
                      r"(?:[A-Z][a-z]{0,2}\.\s*)+(?=(?:pl\.\s*)?\{)|(?:[a-z]{1,6}\.\s*)+(?!\w)",
                      s[i:])
        if m2 and m2.end() > 0:
            tok = m2.group(0)
            if re.search(r"\bpl\.|^[A-Z][a-z]{0,2}\.", tok):
                plural = True
            elif not re.match(r"(?:or|and|&)\s", tok):
                plural = False
            i += m2.end()
            continue
        break
    return s[i:]


def gcide_units(article):
    """Split an article into units: header, senses, notes, quotations, synonym lists."""
    units, cur = [], []
    lines = article.rstrip().split("\n")
    # dictfmt leaves the next entry's headword after the last line of an article:
    # "   [1913 Webster] Abannation", "   called also {elk}. Hoopoe"
    lines[-1] = re.sub(r"(?<=[.\]}])\s+[^\W_][^\s\]}]*$", "", lines[-1])
    # ... and inside an article, before the next entry: "Same as {Rasedow's disease}.\n
    #    Exophthalmos\n\nExophthalmos \Ex`oph*thal"mos\, ..."
    for k in range(len(lines) - 2):
        if not lines[k + 1].strip() and lines[k + 2][:1] not in ("", " "):
            head = lines[k + 2].split("\\", 1)[0].strip()
            if head and lines[k].rstrip().endswith(head):
                lines[k] = lines[k].rstrip()[:-len(head)]
    for line in lines:
        line = SOURCE_TAG_INLINE.sub("", line)
        if not line.strip():
            if cur:
                units.append(cur)
                cur = []
            continue
        if SOURCE_TAG.match(line):
            if cur:
                units.append(cur)
                cur = []
            continue
        starts = (not line[0].isspace()) or SENSE_START.match(line) or LABEL_START.match(line) \
            or re.match(r"^ {1,10}--\s*\{", line) \
            or (cur and cur[0][0].isspace() and PHRASE_LINE.match(line)
                and re.search(r"(?:[.\]]|--)\s*$", cur[-1]))
        if starts and cur:
            units.append(cur)
            cur = []
        cur.append(line)
    if cur:
        units.append(cur)
    return units


def clean_gcide_unit(lines):
    header = not lines[0][0].isspace()
    s = join_lines(lines)
    s = map_entities(s)
    if header:
        s = strip_header(s)
    if re.match(r"^(?:Syn|See)\s*:", s) or s.startswith("--"):
        return []
    s = re.sub(r"^(?:Usage|Note|Specifically|Hence)\s*:\s*", "", s)
    # "Of or pertaining to Navarre. -- n. A native of Navarre": one line per part of speech
    out = []
    for part in POS_SPLIT.split(s):
        out.extend(clean_gcide_text(part))
    return out


POS_SPLIT = re.compile(r"\s--\s+(?:(?:[a-z]{1,6}\.|&)\s*)+(?=[A-Z(\[])")


# leftover markup, unreadable characters ("Fr????rs", "Gr. ?"), syllable marks ("tran*sish\"un"),
# and editors' notes about the dictionary itself
GCIDE_REJECT = re.compile(r"[\\{}\[\]|<>]|\s\?(?:\s|$)|\?\?|\w\?\w|[A-Za-z]\*[A-Za-z]|"
                          r"\"[A-Za-z]+\"[a-z]|WordNet|\bPJC\b|\d{4} Webster|Webster \d{4}|"
                          r"https?:|www\.|\.com\b|\bhref\b|\bSyn\.|\b(?:v\. [ti]|vb\. n|p\. pr|p\. p)\.")


def clean_gcide_text(s):
    s = s.replace("\\", " ")
    s = DERIVED.sub(" ", s)
    s = CITATION.sub(" ", s)
    s = re.sub(r"(?<=\])\s*\{[^{}]*\}(?:\s*,\s*\{[^{}]*\})*\s*$", "", s)  # WordNet 1.5 antonyms
    s = re.sub(r"\[([^\[\]]*)\]", _bracket, s)
    s = re.sub(r"\[([^\[\]]*)\]", _bracket, s)
    s = SEE_REF.sub(" ", s)
    s = FIELD_LABEL.sub(" ", s)
    s = s.strip()
    # leading sense markers, "1. 1", "(a)", field labels, defined phrases, derived forms
    for _ in range(4):
        s0 = s
        s = re.sub(r"^(?:\d+\.?\s+|\([a-z]\)\s*|\([ivx]+\)\s*)", "", s)
        s = re.sub(r"^\((?:[A-Z][^\W\d_]+\.?)(?:\s+(?:[A-Z][^\W\d_]+|of|and|&)\.?){0,3}\)\s*", "", s)
        s = re.sub(r"^\((?:[a-z]+(?: [a-z]+)?|(?:[a-z]{1,6}\.\s*)+)\)\s*", "", s)
        s = PHRASE_LEAD.sub("", s)
        s = re.sub(r"^(?:(?:pl|sing|n|v\. [ti]|a|adj|adv|prep|interj|conj|pron)\.\s+)+(?=[A-Z(])", "", s)
        s = re.sub(r"^(?:pl|sing)\.\s*(?:[A-Z][a-z]?\.\s*)?\{[^{}]*\}(?:\s*\([^()]*\))?[.,;]?\s*", "",
                   s)
        s = DERIVED_LEAD.sub("", s)
        s = re.sub(r"^[,;:.]\s*", "", s)
        if s == s0:
            break
    # braces: cross-references, defined words; drop syllable/stress marks inside them
    s = re.sub(r"\{([^{}]*)\}", lambda m: re.sub(r"(?<=\w)[*\"`](?=\w)", "", m.group(1)), s)
    s = re.sub(r"\.\s\.\s\.(?:\s\.)?", "...", s)
    s = re.sub(r"(?:\*\s*){3,}", " ", s)
    s = re.sub(r"[\s;,]*\b(?:[Ss]pecifically|[Hh]ence|[Ee]specially|[Ee]sp\.|as|viz\.|[Nn]amely|"
               r"[Ff]ollows|[Aa]lso|thus)\s*[:,;]?\s*$", "", s)
    s = re.sub(r";\s*--\s+", "; ", s)
    s = re.sub(r"(?:\s+--)?\s+(?:AS|PJC|RDH|JC|MW10|MI11|RHUD|NigD|DC|Wm)\.?\s*$", "", s)
    s = tidy(s)
    if not s or GCIDE_REJECT.search(s) or s.count("(") != s.count(")"):
        return []
    if re.match(r"(?:See|Same as|Cf\.|Compare)\b", s) and len(s.split()) <= 8:
        return []  # bare cross-reference
    if re.search(r"\b(?:a|an|the|of|and|or|is|are|was|were|as|by|be|called|phrase|following|"
                 r"following elements)$", s):
        return []  # cut off where the source breaks an enumeration across entries
    if s and s[0].islower():
        s = s[0].upper() + s[1:]
    return [s]


def gcide_headword(article):
    """The word an article defines ("Excellent \\Ex"cel*lent\\, a." gives "Excellent"), or ""."""
    head = map_entities(article.split("\\", 1)[0]) if "\\" in article else ""
    head = tidy(re.sub(r"[*\"`]", "", head))
    return head if head and len(head) <= 40 and not re.search(r"[\[\]{}|<>]", head) else ""


def gcide_lines(article):
    # Each line starts with the word it defines: "Excellent: surpassing others in some good
    # quality". Without it a definition never meets its word, and span corruption cannot tie the
    # word's embedding to what it means (docs/PRETRAINING.md, "The corpus").
    head = gcide_headword(article)
    out = []
    for unit in gcide_units(article):
        out.extend(clean_gcide_unit(unit))
    return [f"{head}: {line}" for line in out] if head else out


# --------------------------------------------------------------------------------------------
# WordNet

WN_SENSE = re.compile(r"^\s+(?:(?:n|v|adj|adv)\s+)?\d+:\s")


def wn_words(text, tag):
    """The words of a sense's "[syn: {a}, {b}]" or "[ant: {c}]" list, selection marks removed."""
    words = []
    for group in re.findall(r"\[" + tag + r":([^\]]*)\]", text):
        for w in re.findall(r"\{([^{}]*)\}", group):
            w = re.sub(r"\((?:a|p|ip)\)$", "", w).strip()
            if w and w not in words:
                words.append(w)
    return words


def clean_wn_sense(text, headword):
    """One line per sense: its words, the gloss, the examples and the opposites,
    "awful, dreadful, terrible: exceptionally bad or displeasing; an awful voice; opposite: nice".
    The words go with their meaning on one line, so that span corruption relates them."""
    text = re.sub(r"^\s*(?:(?:n|v|adj|adv)\s+)?\d+:\s*", "", text)
    words = [headword] + [w for w in wn_words(text, "syn") if w != headword]
    opposites = wn_words(text, "ant")
    text = re.sub(r"\[(?:syn|ant|also|see also):[^\]]*\]", " ", text)
    # split gloss from examples: gloss; "example"; "example"- Author
    parts = re.split(r';\s*(?=")', text, maxsplit=1)
    gloss, rest = parts[0], parts[1] if len(parts) > 1 else ""
    g = tidy(re.sub(r"^\s*(?:\([^()]{1,40}\)\s*)+", "", gloss))
    examples = [tidy(ex) for ex in re.findall(r'"([^"]+)"', rest)]
    pieces = [g] + [ex for ex in examples if ex]
    if opposites:
        pieces.append("opposite: " + ", ".join(opposites))
    line = ", ".join(w for w in words if w) + ": " + "; ".join(p for p in pieces if p)
    line = tidy(line)
    return [] if not g or re.search(r"[\\{}\[\]|<>]", line) else [line]


def wn_lines(article):
    lines = article.split("\n")
    headword = tidy(lines[0])
    out, cur = [], []
    for line in lines[1:]:
        if WN_SENSE.match(line):
            if cur:
                out.extend(clean_wn_sense(join_lines(cur), headword))
            cur = [line]
        elif line.strip():
            cur.append(line)
    if cur:
        out.extend(clean_wn_sense(join_lines(cur), headword))
    return out


# --------------------------------------------------------------------------------------------
# GLUE

def read_tsv(path):
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        text = f.read()
    text = text.lstrip("\ufeff")
    rows = [r.split("\t") for r in text.replace("\r\n", "\n").split("\n") if r.strip()]
    return rows


def glue_train_lines(glue_dir):
    out, used = [], []
    for rel, spec in GLUE_TRAIN:
        path = os.path.join(glue_dir, rel)
        if not os.path.isfile(path):
            raise Fatal(f"GLUE training file {path} is missing: pass --shared DIR, the folder "
                        f"that holds glue/ (default <repo>/../shared/data)")
        rows = read_tsv(path)
        if spec["header"]:
            head = rows[0]
            try:
                cols = [head.index(c) for c in spec["columns"]]
            except ValueError:
                raise Fatal(f"{path}: header {head} lacks {spec['columns']}; its layout changed")
            rows = rows[1:]
        else:
            cols = spec["columns"]
        n = 0
        for r in rows:
            if len(r) != spec["ncols"]:
                raise Fatal(f"{path}: a row has {len(r)} columns, expected {spec['ncols']}; "
                            f"its layout changed")
            for c in cols:
                t = " ".join(r[c].split())
                if t:
                    out.append(t)
                    n += 1
        used.append({"file": "glue/" + rel, "rows": len(rows), "fields": n,
                     "sha256": sha256_file(path)})
    return out, used


def heldout_keys(glue_dir):
    """Normalised text of every field of every dev.tsv / test.tsv under glue/."""
    keys, files = set(), []
    for root, dirs, names in os.walk(glue_dir):
        dirs.sort()
        for name in sorted(names):
            if name in ("dev.tsv", "test.tsv") or re.match(r"(dev|test)[_-].*\.tsv$", name):
                path = os.path.join(root, name)
                files.append(os.path.relpath(path, os.path.dirname(glue_dir)))
                for row in read_tsv(path):
                    for field in row:
                        k = norm_key(field)
                        if k:
                            keys.add(k)
    return keys, files


# --------------------------------------------------------------------------------------------

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def package_version(pkg):
    env = {"LC_ALL": "C", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status} ${Version}", pkg],
                           capture_output=True, text=True, env=env)
    except FileNotFoundError:
        raise Fatal(f"dpkg-query not found: this script reads the Debian packages "
                    f"dict-gcide and dict-wn ({APT_FIX})")
    status, _, version = r.stdout.strip().partition(" ")
    if r.returncode != 0 or status != "installed":
        raise Fatal(f"{pkg} is not installed: {APT_FIX}")
    return version


def write_lines(path, lines):
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return {"lines": len(lines), "characters": len(data.decode("utf-8")), "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(REPO), "shared", "data"),
                    help="folder holding glue/ (default: <repo>/../shared/data)")
    ap.add_argument("--out", default=os.path.join(REPO, "build-corpus"),
                    help="output folder (default: <repo>/build-corpus)")
    ap.add_argument("--min-words", type=int, default=4,
                    help="drop lines with fewer words than this, in every source (default 4)")
    args = ap.parse_args()

    glue_dir = os.path.join(os.path.abspath(args.shared), "glue")
    if not os.path.isdir(glue_dir):
        raise Fatal(f"GLUE folder {glue_dir} not found: pass --shared DIR, the folder that "
                    f"holds glue/ (default <repo>/../shared/data)")
    versions = {pkg: package_version(pkg) for pkg in PACKAGES}

    keys_heldout, heldout_files = heldout_keys(glue_dir)
    seen = set()
    manifest = {"format": "UTF-8 text, one sentence or short document per line",
                "normalisation": "lower-case, whitespace collapsed (for dedup and dev/test "
                                 "exclusion)",
                "min_words": args.min_words,
                "excluded_text_from": heldout_files,
                "files": {}}

    def admit(candidates, stats):
        kept = []
        for line in candidates:
            if not acceptable(line, args.min_words):
                stats["dropped_filtered"] += 1
                continue
            k = norm_key(line)
            if k in keys_heldout:
                stats["dropped_dev_test_overlap"] += 1
                continue
            if k in seen:
                stats["dropped_duplicate"] += 1
                continue
            seen.add(k)
            kept.append(line)
        return kept

    os.makedirs(args.out, exist_ok=True)

    # dictionary.txt
    dict_lines, sources = [], []
    for pkg, (base, licence) in PACKAGES.items():
        extract = gcide_lines if base == "gcide" else wn_lines
        cands = []
        for article in read_dictd(base):
            cands.extend(extract(article))
        stats = {"dropped_filtered": 0, "dropped_dev_test_overlap": 0, "dropped_duplicate": 0}
        kept = admit(cands, stats)
        dict_lines.extend(kept)
        sources.append({"package": pkg, "version": versions[pkg], "licence": licence,
                        "copyright": f"/usr/share/doc/{pkg}/copyright",
                        "data": [f"{DICTD}/{base}.dict.dz", f"{DICTD}/{base}.index"],
                        "candidate_lines": len(cands), "lines": len(kept), **stats})
    info = write_lines(os.path.join(args.out, "dictionary.txt"), dict_lines)
    info["sources"] = sources
    info["dropped_dev_test_overlap"] = sum(s["dropped_dev_test_overlap"] for s in sources)
    info["dropped_duplicate"] = sum(s["dropped_duplicate"] for s in sources)
    info["dropped_filtered"] = sum(s["dropped_filtered"] for s in sources)
    manifest["files"]["dictionary.txt"] = info

    # glue.txt
    cands, used = glue_train_lines(glue_dir)
    stats = {"dropped_filtered": 0, "dropped_dev_test_overlap": 0, "dropped_duplicate": 0}
    kept = admit(cands, stats)
    info = write_lines(os.path.join(args.out, "glue.txt"), kept)
    info["sources"] = [{"name": "GLUE training splits (English)", "licence": GLUE_LICENCE,
                        "files": used, "candidate_lines": len(cands), "lines": len(kept)}]
    info.update(stats)
    manifest["files"]["glue.txt"] = info

    # licence notices that must travel with the text
    notice = []
    for pkg in PACKAGES:
        with open(f"/usr/share/doc/{pkg}/copyright", encoding="utf-8", errors="replace") as f:
            notice.append(f"==== {pkg} {versions[pkg]} (/usr/share/doc/{pkg}/copyright) ====\n"
                          + f.read().rstrip() + "\n")
    write_lines(os.path.join(args.out, "NOTICE.txt"), ["\n".join(notice).rstrip("\n")])

    tmp = os.path.join(args.out, "MANIFEST.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, os.path.join(args.out, "MANIFEST.json"))
    for name, inf in manifest["files"].items():
        print(f"{name}: {inf['lines']} lines, {inf['characters']} characters, "
              f"{inf['bytes'] / 1e6:.1f} MB")
    print(f"wrote {os.path.abspath(args.out)}")


if __name__ == "__main__":
    try:
        main()
    except Fatal as e:
        print(f"make_pretraining_corpus: error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
