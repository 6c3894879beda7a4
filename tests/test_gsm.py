"""Tests for chansim.billing.rules.gsm: exact SMS segments of real text (TS 23.038).

Expected numbers are worked out by hand in the comments. Limits: one SMS holds
160 septets (GSM-7) or 70 UTF-16 code units (UCS-2); each part of a
concatenated SMS holds 153 or 67.
"""

import itertools
import json

import numpy as np
import pytest
import regex
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chansim.billing.rules.gsm import (
    GSM7,
    GSM7_BASIC,
    GSM7_EXTENSION,
    UCS2,
    SegmentInfo,
    analyse,
    sent_as,
    segments_for_texts,
    split_segments,
)
from chansim.billing.rules.sms import sms_segments

EURO = "€"  # extension table: ESC + 0x65, 2 septets
GRIN = "\U0001F600"  # 😀, above the BMP: a surrogate pair, 2 code units
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"  # 4×2 + 3 ZWJ = 11
FLAG_FR = "\U0001F1EB\U0001F1F7"  # two regional indicators, 2 + 2 = 4 units
THUMB_MEDIUM = "\U0001F44D\U0001F3FD"  # 👍 + skin tone modifier: 2 + 2 = 4 units
KEYCAP_1 = "1\ufe0f\u20e3"  # 1️⃣: '1' + VS16 + combining keycap = 3 units
HEART = "\u2764\ufe0f"  # ❤️: BMP heart + VS16 = 2 units
CYR = "ж"  # BMP, not in GSM-7: 1 code unit, forces UCS-2

GRAPHEME = regex.compile(r"\X")  # UAX #29 extended grapheme clusters
BASIC_CHARS = [c for c in GSM7_BASIC if c is not None]
EXTENSION_CHARS = list(GSM7_EXTENSION.values())


def units_utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def septets(s: str) -> int:
    return sum(2 if c in GSM7_EXTENSION.values() else 1 for c in s)


# --- the tables ---------------------------------------------------------------


def test_basic_table_is_the_128_code_default_alphabet():
    assert len(GSM7_BASIC) == 128
    assert GSM7_BASIC[0x1B] is None  # ESC: not a character
    assert len(set(BASIC_CHARS)) == 127  # every other code a distinct char
    # Spot checks against TS 23.038 §6.2.1.
    assert GSM7_BASIC[0x00] == "@"
    assert GSM7_BASIC[0x09] == "Ç"
    assert GSM7_BASIC[0x0A] == "\n" and GSM7_BASIC[0x0D] == "\r"
    assert GSM7_BASIC[0x10] == "\u0394"  # Greek capital delta
    assert GSM7_BASIC[0x24] == "¤"  # not '$', which is 0x02
    assert GSM7_BASIC[0x40] == "¡" and GSM7_BASIC[0x60] == "¿"
    assert GSM7_BASIC[0x41:0x5B] == tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert GSM7_BASIC[0x61:0x7B] == tuple("abcdefghijklmnopqrstuvwxyz")
    assert GSM7_BASIC[0x7F] == "à"


def test_extension_table():
    assert sorted(EXTENSION_CHARS) == sorted("\f^{}\\[~]|€")
    assert GSM7_EXTENSION[0x65] == "€"
    assert not set(EXTENSION_CHARS) & set(BASIC_CHARS)


# --- empty and boundaries ---------------------------------------------------------


def test_empty_text_is_one_gsm_segment():
    info = analyse("")
    assert info == SegmentInfo(GSM7, 0, 0, 1, (), 160)
    assert split_segments("") == ("",)


@pytest.mark.parametrize(
    ("n", "segments", "per_segment"),
    [
        (1, 1, 160),
        (160, 1, 160),  # fits a single SMS
        (161, 2, 153),  # concatenated: 153 + 8
        (306, 2, 153),  # 153 × 2 exactly
        (307, 3, 153),  # one septet over
        (459, 3, 153),  # 153 × 3
        (460, 4, 153),
    ],
)
def test_gsm_boundaries(n, segments, per_segment):
    info = analyse("a" * n)
    assert (info.encoding, info.units, info.characters) == (GSM7, n, n)
    assert (info.segments, info.per_segment) == (segments, per_segment)


@pytest.mark.parametrize(
    ("n", "segments", "per_segment"),
    [
        (70, 1, 70),  # fits a single SMS
        (71, 2, 67),  # concatenated: 67 + 4
        (134, 2, 67),  # 67 × 2 exactly
        (135, 3, 67),
    ],
)
def test_ucs2_boundaries(n, segments, per_segment):
    info = analyse(CYR * n)
    assert (info.encoding, info.units) == (UCS2, n)
    assert (info.segments, info.per_segment) == (segments, per_segment)


# --- extension characters --------------------------------------------------------


def test_extension_char_costs_two_septets():
    info = analyse(EURO)
    assert (info.encoding, info.characters, info.units, info.segments) == (GSM7, 1, 2, 1)
    for ch in EXTENSION_CHARS:
        assert analyse(ch).units == 2


def test_extension_char_tips_single_message_over():
    # 159 + 2 = 161 septets > 160: concatenated, 153 + 8 → 2 segments.
    info = analyse("a" * 159 + EURO)
    assert (info.characters, info.units, info.segments) == (160, 161, 2)
    # 80 '€' = 160 septets: still one SMS, though only 80 characters.
    assert analyse(EURO * 80).segments == 1
    assert analyse(EURO * 81).segments == 2  # 162 septets


def test_escape_pair_straddling_boundary_moves_whole():
    # 152 'a' + '€' + 152 'b' = 306 septets, which would be exactly 2 × 153.
    # Part 1: 152 'a' (the escape pair needs 2, only 1 left: 1 septet wasted).
    # Part 2: '€' (2) + 151 'b' = 153. Part 3: the last 'b'. → 3 segments.
    text = "a" * 152 + EURO + "b" * 152
    info = analyse(text)
    assert (info.units, info.segments) == (306, 3)
    parts = split_segments(text)
    assert parts == ("a" * 152, EURO + "b" * 151, "b")
    # Control: same 306 septets with the '€' ending part 1 exactly
    # (151 + 2 = 153), then 153 'b' → 2 segments.
    control = "a" * 151 + EURO + "b" * 153
    assert (analyse(control).units, analyse(control).segments) == (306, 2)
    assert split_segments(control) == ("a" * 151 + EURO, "b" * 153)


def test_escape_pair_in_single_message_is_not_moved():
    # 158 + 2 = 160: fits the single SMS exactly.
    assert analyse("a" * 158 + EURO).segments == 1


# --- emoji and grapheme clusters across a boundary ----------------------------------


def test_surrogate_pair_moves_to_next_segment():
    # 66 'a' + 😀 + 66 'b' = 134 units, which would be exactly 2 × 67.
    # Part 1: 66 'a' (the pair needs 2, 1 left). Part 2: 😀 + 65 'b' = 67.
    # Part 3: 1 'b'. → 3 segments.
    text = "a" * 66 + GRIN + "b" * 66
    info = analyse(text)
    assert (info.encoding, info.characters, info.units, info.segments) == (UCS2, 133, 134, 3)
    assert split_segments(text) == ("a" * 66, GRIN + "b" * 65, "b")
    # Control: 65 'a' + 😀 ends part 1 exactly (67), 67 'b' fill part 2.
    assert analyse("a" * 65 + GRIN + "b" * 67).segments == 2


def test_family_zwj_sequence_kept_whole():
    # The family is one character of 11 units. 60 'a' + 11 = 71 > 67, so it
    # starts part 2: 11 + 56 'b' = 67, and the 57th 'b' needs part 3.
    text = "a" * 60 + FAMILY + "b" * 57
    info = analyse(text)
    assert (info.characters, info.units, info.segments) == (118, 128, 3)
    parts = split_segments(text)
    assert parts[0] == "a" * 60 and parts[1].startswith(FAMILY)
    assert info.non_gsm_chars == (FAMILY,)
    # Control: 56 'a' + 11 = 67 fills part 1 exactly; 61 'b' → 2 segments.
    assert analyse("a" * 56 + FAMILY + "b" * 61).segments == 2


def test_flag_kept_whole():
    # 🇫🇷 is one character of 4 units. 65 'a' leave 2 units: a splitter that
    # only kept surrogate pairs would put 🇫 in part 1 and 🇷 in part 2 (2
    # segments). Kept whole: part 1 = 65 'a', part 2 = flag + 63 'b' = 67,
    # part 3 = 1 'b' → 3 segments.
    text = "a" * 65 + FLAG_FR + "b" * 64
    info = analyse(text)
    assert (info.characters, info.units, info.segments) == (130, 133, 3)
    assert split_segments(text)[1].startswith(FLAG_FR)


@pytest.mark.parametrize(
    ("cluster", "size"),
    [(THUMB_MEDIUM, 4), (KEYCAP_1, 3), (HEART, 2), ("e\u0301", 2)],
)
def test_other_clusters_are_one_character_and_kept_whole(cluster, size):
    info = analyse(cluster)
    assert (info.encoding, info.characters, info.units) == (UCS2, 1, size)
    # 66 'a' leave 1 unit in part 1; every cluster here needs ≥ 2, so it moves:
    # part 2 starts with it. 66 + size + 67 > 134 units in any case.
    text = "a" * 66 + cluster + "b" * 67
    parts = split_segments(text)
    assert parts[0] == "a" * 66 and parts[1].startswith(cluster)
    assert analyse(text).segments == len(parts) == 3


def test_crlf_is_one_character_kept_whole():
    # CR LF is one grapheme cluster (UAX #29 GB3), so it too is never split:
    # 152 'a' + CRLF + 152 'b' = 306 septets → 3 segments, as with '€'.
    text = "a" * 152 + "\r\n" + "b" * 152
    info = analyse(text)
    assert (info.encoding, info.characters, info.units, info.segments) == (GSM7, 305, 306, 3)


def test_pathological_cluster_split_at_code_points():
    # 'a' + 200 combining acutes: one character, 201 units, larger than any
    # part. It is split at code points: 201 = 67 × 3 → 3 segments.
    text = "a" + "\u0301" * 200
    info = analyse(text)
    assert (info.characters, info.units, info.segments) == (1, 201, 3)
    assert [units_utf16(p) for p in split_segments(text)] == [67, 67, 67]


def test_pathological_cluster_never_splits_a_surrogate_pair():
    # 66 'a' + one ZWJ chain of 30 😀 (30 × 2 + 29 = 89 units, one cluster).
    # Part 1: 66 'a' (a 😀 needs 2). Part 2: 22 × (😀 ZWJ) = 66 units, the
    # next 😀 needs 2 → part 3: the remaining 89 − 66 = 23 units.
    chain = "\u200d".join([GRIN] * 30)
    text = "a" * 66 + chain
    info = analyse(text)
    assert (info.characters, info.units, info.segments) == (67, 155, 3)
    parts = split_segments(text)
    assert [units_utf16(p) for p in parts] == [66, 66, 23]
    assert "".join(parts) == text
    for p in parts:
        p.encode("utf-16-le")  # no lone surrogate anywhere


# --- accented letters and typography -----------------------------------------------


@pytest.mark.parametrize("ch", ["é", "è", "Ç", "Δ", "Ω", "ß", "Ñ", "ü", "à", "¿", "§", "¤"])
def test_in_gsm(ch):
    info = analyse(f"Caf{ch} ok")
    assert (info.encoding, info.non_gsm_chars) == (GSM7, ())


@pytest.mark.parametrize(
    "ch",
    [
        "á", "í", "ó", "ú",
        "ç",  # only the capital Ç is in the table
        "\u201c", "\u201d", "\u2019",  # curly quotes “ ” ’
        "\u2014",  # em dash —
        "\u2126",  # OHM SIGN, which looks like Ω but is not U+03A9
        "e\u0301",  # decomposed é: no normalisation
        "\x1b",  # a literal ESC is not a character of the alphabet
        "\t",
    ],
)
def test_not_in_gsm_forces_ucs2(ch):
    info = analyse(f"Caf{ch} ok")
    assert info.encoding == UCS2
    assert info.non_gsm_chars == (ch,)


def test_non_gsm_chars_are_distinct_in_first_appearance_order():
    text = "Hi \u2014 \u201cquoted\u201d isn\u2019t \u2014 á " + GRIN + " á"
    info = analyse(text)
    assert info.non_gsm_chars == ("\u2014", "\u201c", "\u201d", "\u2019", "á", GRIN)
    # 'é' and '€' are GSM-7 and never listed, even in a UCS-2 message.
    assert analyse("é€á").non_gsm_chars == ("á",)
    # In UCS-2, '€' is one code unit like any BMP character.
    assert analyse("é€á").units == 3


# --- output ------------------------------------------------------------------------


def test_to_dict_is_json_ready():
    d = analyse("Hi " + GRIN).to_dict()
    assert d == {
        "encoding": "UCS-2",
        "characters": 4,
        "units": 5,
        "segments": 1,
        "non_gsm_chars": [GRIN],
    }
    assert json.loads(json.dumps(d)) == d


def test_segment_info_is_frozen():
    info = analyse("x")
    with pytest.raises(AttributeError):
        info.segments = 2  # type: ignore[misc]


def test_long_message_is_counted_in_full():
    # 1,700 septets: past the 1,600 provider cap, analyse counts one body: ⌈1700/153⌉ = 12; the
    # billed model sends 1,600 + 100 characters as two messages: 11 + 1 = 12.
    assert analyse("a" * 1700).segments == 12 == int(sms_segments(1700, False))
    # 3,000 characters: 1,600 (11 segments) + 1,400 (10 segments), not one body of 20.
    assert int(sms_segments(3000, False)) == 21
    # 700 UCS-2 units: ⌈700/67⌉ = 11.
    assert analyse(CYR * 700).segments == 11


def test_a_body_over_1600_characters_is_sent_as_several_messages_each_counted():
    assert [b.segments for b in sent_as("a" * 3000)] == [11, 10] and sum(
        b.segments for b in sent_as("a" * 3000)) == int(sms_segments(3000, False))
    assert sent_as("a" * 1600) == (analyse("a" * 1600),)
    # each body is encoded on its own: a Cyrillic tail forces UCS-2 on the second body only
    first, second = sent_as("a" * 1600 + CYR * 10)
    assert (first.encoding, first.segments, second.encoding, second.segments) == ("GSM-7", 11, "UCS-2", 1)
    # bodies split between user-perceived characters: an emoji is never cut in two
    bodies = sent_as("a" * 1599 + GRIN + "b")
    assert [b.characters for b in bodies] == [1600, 1] and bodies[0].encoding == "UCS-2"


def test_cli_segments_reports_the_messages_a_long_text_is_sent_as():
    import json

    from typer.testing import CliRunner

    from chansim.cli import app

    doc = json.loads(CliRunner().invoke(app, ["segments", "a" * 3000, "--format", "json"]).stdout)
    assert (doc["messages"], doc["segments"], [m["segments"] for m in doc["per_message"]]) == (2, 21, [11, 10])
    short = json.loads(CliRunner().invoke(app, ["segments", "a" * 161, "--format", "json"]).stdout)
    assert (short["messages"], short["segments"], "per_message" in short) == (1, 2, False)


def test_segments_for_texts():
    texts = ["", "a" * 161, CYR * 71, "a" * 66 + GRIN + "b" * 66]
    out = segments_for_texts(texts)
    assert out.dtype == np.int64
    assert out.tolist() == [1, 2, 2, 3]
    assert segments_for_texts([]).shape == (0,)


def test_rejects_non_text():
    with pytest.raises(TypeError):
        analyse(b"bytes")  # type: ignore[arg-type]


# --- properties --------------------------------------------------------------------

SETTINGS = settings(max_examples=150, deadline=None)


def padded(body: st.SearchStrategy[str], pads: str) -> st.SearchStrategy[str]:
    """A run of 0..460 copies of one of ``pads`` before ``body``, so that
    short random bodies land on every segment boundary (160/153/306/459,
    70/67/134/201/268...), not only inside the first segment."""
    return st.builds(
        lambda pad, n, tail: pad * n + tail,
        st.sampled_from(pads),
        st.integers(0, 460),
        body,
    )


gsm_basic_text = padded(
    st.text(alphabet=st.sampled_from(BASIC_CHARS), max_size=120), "a@"
).filter(lambda t: "\r\n" not in t)  # CR LF is a two-septet cluster kept whole
# BMP characters that are not combining / joining; non-GSM ones force UCS-2.
bmp_char = st.characters(
    max_codepoint=0xFFFF,
    categories=("Lu", "Ll", "Lo", "Nd", "Po", "Pd", "Ps", "Pe", "Sm", "Sc", "So"),
)
ucs2_bmp_text = padded(st.text(alphabet=bmp_char, min_size=1, max_size=120), "aжá")
# Mixed text where boundaries and clusters are likely.
mixed_char = st.one_of(
    st.sampled_from(BASIC_CHARS),
    st.sampled_from(EXTENSION_CHARS),
    bmp_char,
    # emoji, regional indicators, ZWJ, combining acute, VS16, skin tone
    st.sampled_from(
        [GRIN, "\U0001F1EB", "\U0001F1F7", "\u200d", "\u0301", "\ufe0f", "\U0001F3FD"]
    ),
)
mixed_text = padded(st.lists(mixed_char, max_size=60).map("".join), "a€ж")


@SETTINGS
@given(gsm_basic_text)
def test_matches_sms_segments_for_basic_gsm_text(text):
    # One septet per character and no multi-unit cluster: the length model
    # of chansim.billing.rules.sms is exact.
    info = analyse(text)
    assert info.encoding == GSM7
    assert info.units == info.characters == len(text)
    assert info.segments == int(sms_segments(len(text), False))


@SETTINGS
@given(ucs2_bmp_text)
def test_matches_sms_segments_for_bmp_ucs2_text(text):
    info = analyse(text)
    assume(info.encoding == UCS2)
    assume(info.characters == len(text))  # no multi-code-point cluster
    assert info.units == len(text)
    assert info.segments == int(sms_segments(len(text), True))


@SETTINGS
@given(mixed_text, mixed_char)
def test_appending_never_reduces_segments(text, extra):
    before, after = analyse(text), analyse(text + extra)
    assert after.segments >= before.segments
    # Units only grow within one encoding: switching to UCS-2 turns each
    # 2-septet extension character into 1 code unit ('\f\f' = 4 septets,
    # '\f\f' + ZWJ = 3 code units), yet never saves a segment (an extension
    # character takes 2 of 153 septets in GSM-7 but 1 of only 67 units in UCS-2).
    if after.encoding == before.encoding:
        assert after.units >= before.units
    if before.encoding == GSM7:
        assert before.units >= before.characters


@SETTINGS
@given(mixed_text)
def test_parts_are_a_greedy_packing(text):
    info = analyse(text)
    parts = split_segments(text)
    assert "".join(parts) == text
    assert len(parts) == info.segments
    size = septets if info.encoding == GSM7 else units_utf16  # independent counts
    assert sum(size(p) for p in parts) == info.units
    for p in parts:
        assert size(p) <= info.per_segment
    # Greedy: whatever starts the next part would not have fitted in this
    # one, and no part ends inside a cluster (unless a cluster is larger
    # than a whole part, the pathological case tested above).
    clusters = GRAPHEME.findall(text)
    assume(all(size(c) <= info.per_segment for c in clusters))
    ends = set(itertools.accumulate(len(c) for c in clusters))
    assert set(itertools.accumulate(len(p) for p in parts[:-1])) <= ends
    for p, q in zip(parts, parts[1:]):
        head = GRAPHEME.match(q).group()
        assert size(p) + size(head) > info.per_segment
