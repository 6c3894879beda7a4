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

__all__ = ["sms_segments", "GSM_SINGLE", "GSM_PART", "UCS2_SINGLE", "UCS2_PART"]

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
