"""Make the example exports in this folder from a simulated center.

    python examples/exports/generate.py

One week (Monday 2 March 2026 to Sunday 8 March) of a small center with
phone and web chat: an ACD interval report (30-minute intervals), contact
records and web chat message records, written as the center's systems would
export them (their own column names, local time). The numbers behind them
are in CENTER below: `chansim fit` should find them again."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import chansim
from chansim.studies.fit import synthetic
HERE = Path(__file__).resolve().parent
CENTER = {
    "name": "example-center", "start_date": "2026-03-02", "days": 7, "seed": 2026, "replications": 1,
    "demand": {
        "contacts_per_day": 250,
        "intraday": [0, 0, 0, 0, 0, 0, 0, 1, 6, 9, 10, 10, 8, 8, 9, 9, 8, 7, 6, 4, 0, 0, 0, 0],
        "weekly": [1.25, 1.1, 1.0, 1.0, 1.05, 0.9, 0.7],
        "segments": [{"name": "callers", "share": 0.75, "preference": ["voice"]},
                     {"name": "chatters", "share": 0.25, "preference": ["webchat"]}],
    },
    "channels": {
        "voice": {"handle_time": {"dist": "lognormal", "mean": 360, "cv": 0.7},
                  "patience": {"dist": "exponential", "mean": 150}, "service_level_target_s": 20},
        "webchat": {"turns": {"dist": "poisson", "mean": 4},
                    "agent_time_per_turn": {"dist": "lognormal", "mean": 40, "cv": 0.5},
                    "customer_reply_delay": {"dist": "lognormal", "mean": 50, "cv": 1.0},
                    "chars": {"dist": "lognormal", "mean": 40, "cv": 0.6}, "non_gsm_share": 0.15,
                    "patience": {"dist": "exponential", "mean": 240}, "service_level_target_s": 60},
    },
    "agents": {"pools": [
        {"name": "phones", "channels": ["voice"],
         "schedule": [0] * 7 + [2, 4, 5, 5, 5, 4, 4, 5, 5, 4, 4, 3, 2] + [0] * 4},
        {"name": "chat", "channels": ["webchat"], "concurrency": 1,
         "schedule": [0] * 7 + [1, 2, 2, 3, 3, 2, 2, 3, 3, 2, 2, 2, 1] + [0] * 4},
    ]},
    "strategies": [{"name": "today", "offer": ["voice", "webchat"]}],
}
PHRASES = ("Hi, ", "thanks ", "my order ", "has not arrived ", "can you check ", "the tracking says ",
           "delivered ", "but nothing here ", "merci ", "ok 👍 ", "great, ", "perfect ", "when ", "tomorrow? ")


def _text(rng: np.random.Generator, chars: int, non_gsm: bool) -> str:
    words = [p for p in PHRASES if "👍" not in p]
    text = ""
    while len(text) < chars:
        text += words[rng.integers(len(words))]
    text = text[:chars].strip() or "ok"
    return text + (" 👍" if non_gsm else "")


def main() -> None:
    scenario = chansim.load_scenario(CENTER)
    result = chansim.simulate(scenario, log="messages")
    log = result.log
    contacts = synthetic.contact_records(log.contacts, scenario.start_date)
    # one call the phone system kept open for five hours: implausible, reported by `chansim fit`
    long_call = contacts.index[contacts["answer"].notna() & (contacts["channel"] == "voice")][10]
    contacts.loc[long_call, "end"] = contacts.loc[long_call, "answer"] + np.timedelta64(5, "h")
    targets = {"voice": 20.0, "webchat": 60.0}
    intervals = synthetic.interval_report(contacts, log.staffing, {"phones": "voice", "chat": "webchat"}, targets,
                                          scenario.start_date, freq="30min")
    messages = synthetic.message_records(log.messages, scenario.start_date)
    rng = np.random.default_rng(7)
    flags = log.messages[log.messages["sender"].astype(str).isin(["customer", "agent"])]["non_gsm"].to_numpy(bool)
    messages["text"] = [_text(rng, len(t), flag) for t, flag in zip(messages["text"], flags)]

    stamp = "%Y-%m-%d %H:%M:%S"
    intervals = intervals.round({"aht_s": 1, "asa_s": 1, "service_level": 3})
    intervals["interval_start"] = intervals["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    intervals["channel"] = intervals["channel"].map({"voice": "Phone", "webchat": "Chat"})
    intervals.rename(columns={"interval_start": "Interval Start", "channel": "Queue", "offered": "Offered",
                              "handled": "Handled", "abandoned": "Abandoned", "aht_s": "AHT (s)",
                              "asa_s": "ASA (s)", "service_level": "Service Level",
                              "agents_staffed": "Agents Staffed"}).to_csv(HERE / "interval-report.csv", index=False)
    for col in ("arrival", "answer", "end"):
        contacts[col] = contacts[col].dt.strftime(stamp).fillna("")
    contacts["channel"] = contacts["channel"].map({"voice": "Phone", "webchat": "Chat"})
    contacts["customer_id"] = "C" + contacts["customer_id"].str.zfill(6)
    contacts.to_csv(HERE / "contact-records.csv", index=False)
    messages = messages[messages["channel"] == "webchat"].drop(columns=["channel"])
    messages["timestamp"] = messages["timestamp"].dt.strftime(stamp)
    messages.rename(columns={"conversation_id": "ConversationId", "timestamp": "SentAt", "direction": "Direction",
                             "text": "Body"}).to_csv(HERE / "chat-messages.csv", index=False)


if __name__ == "__main__":
    main()
