"""Conversations from message records: turns, customer reply delays, agent
time per reply, characters and the share of messages outside GSM-7 (from the
texts, through chansim's own GSM analysis)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chansim.billing.gsm import GSM7, analyse
from chansim.studies.fit.durations import DurationFit, fit_duration
from chansim.studies.fit.estimate import Estimate, TooLittleData

__all__ = ["ConversationFit", "fit_conversations"]

MIN_CONVERSATIONS = 20


@dataclass(frozen=True)
class ConversationFit:
    channel: str
    conversations: int
    messages: int
    turns: Estimate
    reply_delay: DurationFit | None
    agent_time: DurationFit | None
    chars: DurationFit | None
    non_gsm: Estimate | None
    agent_gaps: np.ndarray | None = field(default=None, compare=False, repr=False)  # behind agent_time, s


def _proportion(k: int, n: int) -> tuple[float, float]:
    """Wilson 95 % interval."""
    if n == 0:
        return 0.0, 1.0
    p, z = k / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


def fit_conversations(messages: pd.DataFrame, channel: str, source: str) -> ConversationFit:
    """Fit one channel's conversations. ``messages`` holds canonical message
    records of that channel (conversation_id, timestamp, from_customer, text
    or chars)."""
    m = messages.sort_values(["conversation_id", "timestamp"], kind="stable")
    conversations = int(m["conversation_id"].nunique())
    if conversations < MIN_CONVERSATIONS:
        raise TooLittleData(f"{channel} conversations in the message records", conversations, MIN_CONVERSATIONS)
    period = f"{m['timestamp'].min().date()} to {m['timestamp'].max().date()}"
    data = f"{conversations:,} {channel} conversations, {len(m):,} messages, {period} ({source})"
    inbound = m.groupby("conversation_id")["from_customer"].sum().to_numpy(dtype=float)
    inbound = np.maximum(inbound, 1.0)
    mean = float(inbound.mean())
    half = 1.96 * float(inbound.std(ddof=1)) / np.sqrt(inbound.size)
    turns = Estimate(f"channels.{channel}.turns.mean", mean, mean - half, mean + half,
                     "mean customer messages per conversation, normal interval", data)
    same = (m["conversation_id"].to_numpy()[1:] == m["conversation_id"].to_numpy()[:-1])
    gap = np.diff(m["timestamp"].to_numpy().astype("datetime64[ms]").astype(np.int64)) / 1000.0
    prev_customer = m["from_customer"].to_numpy()[:-1]
    next_customer = m["from_customer"].to_numpy()[1:]
    reply = gap[same & ~prev_customer & next_customer]
    # the first customer-to-agent gap of a conversation holds the queue wait: left out
    first_reply = np.zeros(same.size, dtype=bool)
    pairs = same & prev_customer & ~next_customer
    conv = m["conversation_id"].to_numpy()[:-1]
    seen = pd.Series(pairs).groupby(conv).cumsum().to_numpy()
    first_reply[pairs & (seen == 1)] = True
    agent = gap[pairs & ~first_reply]
    families = ("lognormal",)
    reply_fit = _maybe(reply, families, "customer replies")
    agent_fit = _maybe(agent, families, "agent replies")
    chars_fit, non_gsm = None, None
    if "text" in m:
        texts = m["text"].fillna("").astype(str)
        # each distinct text analysed once (exports repeat short replies and templates)
        unique = {t: analyse(t) for t in pd.unique(texts)}
        infos = [unique[t] for t in texts]
        chars = np.array([i.characters for i in infos], dtype=float)
        k = sum(i.encoding != GSM7 for i in infos)
        low, high = _proportion(k, len(infos))
        non_gsm = Estimate(f"channels.{channel}.non_gsm_share", k / max(len(infos), 1), low, high,
                           "share of texts needing UCS-2 (chansim.billing.gsm), Wilson interval",
                           f"{len(infos):,} {channel} message texts, {period} ({source})")
        chars_fit = _maybe(chars, families, "messages with text")
    elif "chars" in m:
        chars_fit = _maybe(m["chars"].dropna().to_numpy(dtype=float), families, "message lengths")
    return ConversationFit(channel=channel, conversations=conversations, messages=len(m), turns=turns,
                           reply_delay=reply_fit, agent_time=agent_fit, chars=chars_fit, non_gsm=non_gsm,
                           agent_gaps=agent)


def _maybe(values: np.ndarray, families: tuple[str, ...], what: str) -> DurationFit | None:
    try:
        return fit_duration(values, families=families, what=what)
    except TooLittleData:
        return None


