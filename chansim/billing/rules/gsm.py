"""Exact SMS segment count for real text (3GPP TS 23.038, formerly GSM 03.38).

:func:`chansim.billing.rules.sms.sms_segments` prices simulated messages that
carry only a length and a non-GSM flag. This module prices *real text*: it
picks the encoding, counts the units the encoding spends and packs them into
segments the way a sending handset or gateway does.

Rules
-----
Encoding
    A message is sent in the GSM 7-bit default alphabet (``"GSM-7"``) when
    every character is in the default alphabet's basic table
    (:data:`GSM7_BASIC`) or its extension table (:data:`GSM7_EXTENSION`),
    both given in TS 23.038 §6.2.1. One character outside them switches the
    WHOLE message to ``"UCS-2"``. Text is taken as given, with no Unicode
    normalisation: a decomposed ``"e" + U+0301`` is not the GSM ``"é"``, and
    the Greek letters are the Greek block ones (U+0394 ``Δ``, not U+2206).
    The table's ESC code (0x1B) is not a character: a literal U+001B in the
    text is outside the alphabet and forces UCS-2.
Units
    GSM-7 counts septets: 1 per basic character, 2 per extension character
    (the ESC prefix plus the character). UCS-2 counts UTF-16 code units:
    1 per character of the Basic Multilingual Plane, 2 per character above
    it (a surrogate pair: most emoji).
Segments
    A message of at most 160 septets / 70 code units goes as one SMS. A
    longer one is concatenated and each part loses 6 octets to the user data
    header, leaving 153 septets / 67 code units per segment. Parts are filled
    greedily, and an indivisible run that does not fit in what is left of a
    part moves whole to the next part, leaving the remainder unused:

    * an escape pair (extension character) is never split;
    * a UTF-16 surrogate pair is never split;
    * a user-perceived character (an extended grapheme cluster, Unicode
      UAX #29: emoji ZWJ sequences, skin-tone modifiers, flags made of two
      regional indicators, base + combining marks, keycaps, variation
      selectors, and also CR LF) is never split.

    So 152 basic characters + ``"€"`` in a multi-part GSM-7 message puts the
    ``"€"`` at the start of the second part. Only a grapheme cluster that is
    larger than a whole part (e.g. a letter with hundreds of combining marks:
    pathological) is split, at code-point boundaries, continuing in the
    current part; even then a surrogate pair or an escape pair stays whole,
    so the count is always finite.
Empty text
    One GSM-7 segment of 0 units: providers still send (and bill) a message.
Long text
    Providers cap a message body at 1,600 characters. :func:`analyse` counts
    any text as one body, with no truncation; :func:`sent_as` splits a longer
    text into bodies of at most 1,600 user-perceived characters, each encoded
    and counted on its own, as :mod:`chansim.billing.rules.sms` bills it.

Grapheme clusters come from the third-party ``regex`` package (``\\X``).
All functions are pure and never print.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import regex

from chansim.billing.rules.sms import GSM_PART, GSM_SINGLE, MAX_BODY_CHARS, UCS2_PART, UCS2_SINGLE

__all__ = [
    "GSM7",
    "UCS2",
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "SegmentInfo",
    "analyse",
    "sent_as",
    "split_segments",
    "segments_for_texts",
]

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# GSM 7-bit default alphabet, basic table: 3GPP TS 23.038 §6.2.1 (formerly
# GSM 03.38), indexed by the 7-bit code (row = high nibble 0x00..0x70, column =
# low nibble 0..F). 0x1B is ESC, the escape to the extension table, and is not
# a character (None).
GSM7_BASIC: tuple[str | None, ...] = (
    # 0x00 .. 0x0F
    "@", "£", "$", "¥", "è", "é", "ù", "ì", "ò", "Ç", "\n", "Ø", "ø", "\r", "Å", "å",
    # 0x10 .. 0x1F (Greek capitals are U+0394, U+03A6, U+0393, ...)
    "Δ", "_", "Φ", "Γ", "Λ", "Ω", "Π", "Ψ", "Σ", "Θ", "Ξ", None, "Æ", "æ", "ß", "É",
    # 0x20 .. 0x2F (0x24 is the currency sign ¤, not $)
    " ", "!", '"', "#", "¤", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/",
    # 0x30 .. 0x3F
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ":", ";", "<", "=", ">", "?",
    # 0x40 .. 0x4F
    "¡", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O",
    # 0x50 .. 0x5F
    "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "Ä", "Ö", "Ñ", "Ü", "§",
    # 0x60 .. 0x6F
    "¿", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
    # 0x70 .. 0x7F
    "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "ä", "ö", "ñ", "ü", "à",
)

# GSM 7-bit default alphabet extension table: 3GPP TS 23.038 §6.2.1.1. Each is
# sent as ESC (0x1B) + the code below, so it costs 2 septets. 0x0A is the page
# break, mapped to form feed. Codes with no Unicode character (0x0D CR2, 0x1B
# the reserved second escape) are left out.
GSM7_EXTENSION: MappingProxyType[int, str] = MappingProxyType(
    {
        0x0A: "\f",
        0x14: "^",
        0x28: "{",
        0x29: "}",
        0x2F: "\\",
        0x3C: "[",
        0x3D: "~",
        0x3E: "]",
        0x40: "|",
        0x65: "€",
    }
)

_BASIC = frozenset(ch for ch in GSM7_BASIC if ch is not None)
_EXTENSION = frozenset(GSM7_EXTENSION.values())
_GSM = _BASIC | _EXTENSION
_GRAPHEME = regex.compile(r"\X")
_LIMITS = {GSM7: (GSM_SINGLE, GSM_PART), UCS2: (UCS2_SINGLE, UCS2_PART)}


@dataclass(frozen=True)
class SegmentInfo:
    """How a text is sent as SMS.

    ``characters`` counts user-perceived characters (grapheme clusters);
    ``units`` counts septets (GSM-7, extension characters 2) or UTF-16 code
    units (UCS-2, characters above the BMP 2); ``per_segment`` is the units
    limit used (160 / 153 for GSM-7, 70 / 67 for UCS-2); ``non_gsm_chars`` are
    the distinct grapheme clusters holding a character outside GSM-7, in order
    of first appearance (empty for GSM-7).
    """

    encoding: str
    characters: int
    units: int
    segments: int
    non_gsm_chars: tuple[str, ...]
    per_segment: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict: encoding, characters, units, segments, non_gsm_chars."""
        return {
            "encoding": self.encoding,
            "characters": self.characters,
            "units": self.units,
            "segments": self.segments,
            "non_gsm_chars": list(self.non_gsm_chars),
        }


def _septets(ch: str) -> int:
    return 2 if ch in _EXTENSION else 1


def _utf16_units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _layout(text: str) -> tuple[SegmentInfo, list[str]]:
    """Encode, count and pack ``text``; return the summary and the parts."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    clusters = _GRAPHEME.findall(text)
    # dict keeps first-appearance order and drops repeats.
    offending = dict.fromkeys(c for c in clusters if not _GSM.issuperset(c))
    encoding = UCS2 if offending else GSM7
    cost = _utf16_units if offending else _septets
    single, part = _LIMITS[encoding]
    sizes = [sum(map(cost, c)) for c in clusters]
    units = sum(sizes)

    if units <= single:
        parts = [text]
        per_segment = single
    else:
        per_segment = part
        parts = []
        current: list[str] = []
        used = 0

        def place(piece: str, size: int) -> None:
            nonlocal current, used
            if used + size > part:  # does not fit: start the next part
                parts.append("".join(current))
                current, used = [], 0
            current.append(piece)
            used += size

        for cluster, size in zip(clusters, sizes):
            if size <= part:
                place(cluster, size)
            else:
                # Pathological cluster larger than a whole part: split it at
                # code points (a code point is at most 2 units, so surrogate
                # and escape pairs stay whole), filling the current part.
                for ch in cluster:
                    place(ch, cost(ch))
        parts.append("".join(current))

    info = SegmentInfo(
        encoding=encoding,
        characters=len(clusters),
        units=units,
        segments=len(parts),
        non_gsm_chars=tuple(offending),
        per_segment=per_segment,
    )
    return info, parts


def analyse(text: str) -> SegmentInfo:
    """Encoding, characters, units and segments of ``text`` sent as one SMS."""
    return _layout(text)[0]


def sent_as(text: str) -> tuple[SegmentInfo, ...]:
    """The messages ``text`` is sent as: bodies of at most 1,600 user-perceived
    characters (a provider refuses longer ones), each analysed on its own."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    clusters = _GRAPHEME.findall(text)
    if len(clusters) <= MAX_BODY_CHARS:
        return (analyse(text),)
    return tuple(analyse("".join(clusters[k:k + MAX_BODY_CHARS])) for k in range(0, len(clusters), MAX_BODY_CHARS))


def split_segments(text: str) -> tuple[str, ...]:
    """The text of each segment, in order; joined they give back ``text``.

    Empty text gives one empty segment.
    """
    return tuple(_layout(text)[1])


def segments_for_texts(texts: Iterable[str]) -> np.ndarray:
    """Segments of each text, as an int64 array (one element per text)."""
    return np.fromiter((_layout(t)[0].segments for t in texts), dtype=np.int64)
