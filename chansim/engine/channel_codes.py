"""Channels as small integers: the codes the engine's columns and queues use."""

from __future__ import annotations

from chansim.scenario.channels import CHANNELS, channel_kind

__all__ = ["CHANNEL_CODE", "NONE", "VOICE", "IS_VOICE"]

#: Code of each channel: its position in :data:`chansim.scenario.channels.CHANNELS`.
CHANNEL_CODE = {name: code for code, name in enumerate(CHANNELS)}
#: No contact, no channel: the "none" of integer columns.
NONE = -1
VOICE = CHANNEL_CODE["voice"]
#: Per channel code: whether the channel is a voice channel.
IS_VOICE = [channel_kind(name) == "voice" for name in CHANNELS]
