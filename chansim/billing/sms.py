"""SMS segments (3GPP TS 23.038): how many billed parts a message takes.

A single SMS carries 160 GSM-7 characters or 70 UCS-2 code units; a
concatenated message spends a header on each part, leaving 153 or 67. One
character outside GSM-7 switches the whole message to UCS-2. Simulated
messages carry a length (``chars``) and a ``non_gsm`` flag instead of text.
Messages longer than providers accept (about 1,600 characters) are still
counted in full: chansim reports what the traffic would need, not what a
provider would truncate.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sms_segments", "price_sms", "GSM_SINGLE", "GSM_PART", "UCS2_SINGLE", "UCS2_PART"]

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def sms_segments(chars, non_gsm) -> np.ndarray:
    """Segments for messages of ``chars`` characters (code units), UCS-2
    where ``non_gsm`` is true. Vectorised; an empty message still takes one."""
    chars = np.asarray(chars, dtype=np.int64)
    ucs2 = np.asarray(non_gsm, dtype=bool)
    single = np.where(ucs2, UCS2_SINGLE, GSM_SINGLE)
    part = np.where(ucs2, UCS2_PART, GSM_PART)
    multi = -(-chars // part)  # ceiling division
    return np.where(chars <= single, 1, multi).astype(np.int64)


def price_sms(messages, card):
    """Price SMS/MMS messages under an ``sms`` card: per segment each way
    (plus carrier pass-through fees), MMS per message for ``media`` messages.
    Messages that fell back from RCS are ordinary SMS here."""
    import pandas as pd

    out = np.asarray(messages["direction"] == "out")
    media = np.asarray(messages["media"], dtype=bool)
    segments = sms_segments(messages["chars"], messages["non_gsm"]).astype(float)
    per_segment_out = card.rate("outbound_segment") + card.rate("carrier_outbound_segment")
    per_segment_in = card.rate("inbound_segment") + card.rate("carrier_inbound_segment")
    rate = np.where(
        media,
        np.where(out, card.rate("mms_outbound"), card.rate("mms_inbound")),
        np.where(out, per_segment_out, per_segment_in),
    )
    units = np.where(media, 1.0, segments)
    ucs2 = np.asarray(messages["non_gsm"], dtype=bool)
    fell_back = (
        np.asarray(messages["original_channel"] == "rcs") if "original_channel" in messages else np.zeros(len(out), bool)
    )
    rule = np.where(
        media,
        np.where(out, "sms: MMS out, per message", "sms: MMS in, per message"),
        np.where(
            out,
            np.where(ucs2, "sms: out, per UCS-2 segment + carrier fee", "sms: out, per GSM-7 segment + carrier fee"),
            np.where(ucs2, "sms: in, per UCS-2 segment", "sms: in, per GSM-7 segment"),
        ),
    ).astype(object)
    rule = np.where(fell_back, rule + " (RCS fallback)", rule)
    return pd.DataFrame(
        {"billable": rate > 0, "units": units, "unit": np.where(media, "message", "segment"), "rate": rate, "rule": rule},
        index=messages.index,
    )
