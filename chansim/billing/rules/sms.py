"""SMS segments (3GPP TS 23.038): how many billed parts a message takes.

A single SMS carries 160 GSM-7 characters or 70 UCS-2 code units; a
concatenated message spends a header on each part, leaving 153 or 67. One
character outside GSM-7 switches the whole message to UCS-2. Simulated
messages carry a length (``chars``), a ``non_gsm`` flag and two counts
instead of text: ``extension`` GSM-7 extension characters (``€ [ ] { } \\ ^ ~ |``,
two septets each) in a GSM-7 message, and ``emoji`` characters outside the
Basic Multilingual Plane (a surrogate pair: two code units) in a UCS-2
message. So a message spends ``chars + extension`` septets or ``chars +
emoji`` code units. The positions of those characters are not known, so the
few units an escape or surrogate pair can waste at a part boundary are not
counted: on random text of given shares the expected count matches
:func:`chansim.billing.rules.gsm.analyse` to within that boundary effect.

Messages longer than providers accept: providers refuse a body over
:data:`MAX_BODY_CHARS` (1,600) characters, so a sending application splits
it. chansim models that: a longer message is sent as several messages of at
most 1,600 characters (the extension characters and emoji spread evenly),
each segmented and billed on its own, and its rule says so.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sms_segments", "price_sms", "GSM_SINGLE", "GSM_PART", "UCS2_SINGLE", "UCS2_PART", "MAX_BODY_CHARS"]

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
MAX_BODY_CHARS = 1_600  #: providers refuse longer bodies (e.g. Twilio error 21617)


def _segments(units: np.ndarray, ucs2: np.ndarray) -> np.ndarray:
    single = np.where(ucs2, UCS2_SINGLE, GSM_SINGLE)
    part = np.where(ucs2, UCS2_PART, GSM_PART)
    return np.where(units <= single, 1, -(-units // part)).astype(np.int64)


def _counts(values, shape) -> np.ndarray:
    return np.zeros(shape, dtype=np.int64) if values is None else np.asarray(values, dtype=np.int64)


def sms_segments(chars, non_gsm, extension=None, emoji=None) -> np.ndarray:
    """Segments for messages of ``chars`` characters, UCS-2 where ``non_gsm``
    is true, with ``extension`` escape-pair characters (GSM-7) and ``emoji``
    surrogate-pair characters (UCS-2). Vectorised; an empty message still
    takes one; a body over 1,600 characters is split into messages first."""
    chars = np.asarray(chars, dtype=np.int64)
    ucs2 = np.asarray(non_gsm, dtype=bool)
    extra = np.where(ucs2, _counts(emoji, chars.shape), _counts(extension, chars.shape))
    extra = np.minimum(extra, np.maximum(chars, 0))
    units = chars + extra
    long = chars > MAX_BODY_CHARS
    if not np.any(long):
        return _segments(units, ucs2)
    shape = np.shape(chars)
    chars, ucs2, extra, units, long = (np.atleast_1d(a) for a in (chars, ucs2, extra, units, long))
    out = _segments(units, ucs2)
    full = (chars[long] - 1) // MAX_BODY_CHARS  # messages of exactly 1,600 characters
    full_units = MAX_BODY_CHARS + (extra[long] * MAX_BODY_CHARS) // np.maximum(chars[long], 1)
    rest = units[long] - full * full_units
    out[long] = full * _segments(full_units, ucs2[long]) + _segments(rest, ucs2[long])
    return out.reshape(shape)


def messages_sent(chars) -> np.ndarray:
    """SMS messages a body of ``chars`` characters is sent as (1 up to 1,600)."""
    chars = np.asarray(chars, dtype=np.int64)
    return np.maximum(-(-chars // MAX_BODY_CHARS), 1)


def _column(messages, name):
    return messages[name].to_numpy() if name in messages else None


def price_sms(messages, card, **_):
    """Price SMS/MMS messages under an ``sms`` card: per segment each way
    (plus carrier pass-through fees), MMS per message for ``media`` messages.
    Messages that fell back from RCS are ordinary SMS here."""
    import pandas as pd

    out = np.asarray(messages["direction"] == "out")
    media = np.asarray(messages["media"], dtype=bool)
    segments = sms_segments(messages["chars"], messages["non_gsm"], _column(messages, "extension"),
                            _column(messages, "emoji")).astype(float)

    def rate_of(name: str, needed: bool) -> float:
        return card.rate(name) if needed else 0.0

    def carrier(name: str) -> float:  # carrier pass-through fees exist only where the card lists them
        return card.rate(name) if card.has(name) else 0.0

    text = ~media
    per_segment_out = rate_of("outbound_segment", bool((out & text).any())) + carrier("carrier_outbound_segment")
    per_segment_in = rate_of("inbound_segment", bool((~out & text).any())) + carrier("carrier_inbound_segment")
    rate = np.where(
        media,
        np.where(out, rate_of("mms_outbound", bool((out & media).any())), rate_of("mms_inbound", bool((~out & media).any()))),
        np.where(out, per_segment_out, per_segment_in),
    )
    units = np.where(media, 1.0, segments)
    ucs2 = np.asarray(messages["non_gsm"], dtype=bool)
    fee_out = " + carrier fee" if card.has("carrier_outbound_segment") else ""
    fee_in = " + carrier fee" if card.has("carrier_inbound_segment") else ""
    fell_back = (
        np.asarray(messages["original_channel"] == "rcs") if "original_channel" in messages else np.zeros(len(out), bool)
    )
    rule = np.where(
        media,
        np.where(out, "sms: MMS out, per message", "sms: MMS in, per message"),
        np.where(
            out,
            np.where(ucs2, "sms: out, per UCS-2 segment", "sms: out, per GSM-7 segment") + fee_out,
            np.where(ucs2, "sms: in, per UCS-2 segment", "sms: in, per GSM-7 segment") + fee_in,
        ),
    ).astype(object)
    rule = np.where(fell_back, rule + " (RCS fallback)", rule)
    split = ~media & (np.asarray(messages["chars"], dtype=np.int64) > MAX_BODY_CHARS)
    if split.any():
        parts = messages_sent(messages["chars"])
        rule = np.where(split, rule + np.char.mod(", body over 1,600 characters sent as %d messages", parts).astype(object),
                        rule)
    return pd.DataFrame(
        {"billable": rate > 0, "units": units, "unit": np.where(media, "message", "segment"), "rate": rate, "rule": rule},
        index=messages.index,
    )


price_sms.reads = ("direction", "media", "chars", "non_gsm", "extension", "emoji", "original_channel")  # what it reads
