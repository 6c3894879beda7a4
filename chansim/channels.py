"""The channels chansim knows and how each behaves in the engine."""

from __future__ import annotations

from typing import Literal

__all__ = ["CHANNELS", "ChannelName", "channel_kind"]

#: Every channel chansim knows, in a stable order (used for table columns).
CHANNELS: tuple[str, ...] = ("voice", "webchat", "whatsapp", "sms", "rcs", "email", "apple_messages", "messenger")
ChannelName = Literal["voice", "webchat", "whatsapp", "sms", "rcs", "email", "apple_messages", "messenger"]


def channel_kind(channel: str) -> str:
    """``voice`` (a call holds one agent wholly), ``email`` (deferred work, no
    patience) or ``messaging`` (conversations in slots, turn by turn)."""
    if channel == "voice":
        return "voice"
    if channel == "email":
        return "email"
    return "messaging"
