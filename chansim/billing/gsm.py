"""Exact SMS segments of real text, kept importable from here: they live in
:mod:`chansim.billing.rules.gsm`."""

from chansim.billing.rules.gsm import (GSM7, GSM7_BASIC, GSM7_EXTENSION, UCS2, SegmentInfo, analyse,
                                       segments_for_texts, sent_as, split_segments)

__all__ = ["GSM7", "UCS2", "GSM7_BASIC", "GSM7_EXTENSION", "SegmentInfo", "analyse", "sent_as", "split_segments",
           "segments_for_texts"]
