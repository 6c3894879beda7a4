"""Routing policies: exact small logs for each, and the blended-pool and
idle-attention cases against queueing theory."""

from __future__ import annotations

import numpy as np
import pytest

from chansim import load_scenario
from chansim.engine import run_replication
from chansim.errors import InputError
from test_engine_exact import fixed, run, scenario


def blended(routing: dict | None = None, slots=3, agents=1) -> dict:
    data = scenario(
        {"voice": {"handle_time": fixed(50)},
         "webchat": {"turns": fixed(2), "agent_time_per_turn": fixed(10), "customer_reply_delay": fixed(100)}},
        [{"name": "b", "channels": ["voice", "webchat"], "headcount": agents, "concurrency": slots}],
        ["voice", "webchat"],
    )
    data["demand"]["segments"] = [{"name": "callers", "share": 0.5, "preference": ["voice"]},
                                  {"name": "writers", "share": 0.5, "preference": ["webchat"]}]
    if routing:
        data["agents"]["routing"] = routing
    return data


def test_unknown_policy_name_is_a_field_error():
    data = blended({"queue": "voice_first"})
    with pytest.raises(InputError) as info:
        load_scenario(data)
    assert any(p.path == "agents.routing.queue" and "must be one of" in p.message for p in info.value.problems)


def test_slot_caps_above_the_total_or_for_other_channels_are_refused():
    data = blended()
    data["agents"]["pools"][0]["concurrency"] = {"webchat": 4, "whatsapp": 2, "total": 3}
    with pytest.raises(InputError) as info:
        load_scenario(data)
    paths = {p.path for p in info.value.problems}
    assert {"agents.pools[0].concurrency.webchat", "agents.pools[0].concurrency.whatsapp"} <= paths


@pytest.fixture
def ordered(monkeypatch):
    """Make the k-th arrival of a run use the k-th channel of a list."""
    import chansim.engine.plan as plan

    def use(channels: list[str]):
        original = plan.ContactBook.choose

        def choose(self, segment, skip=None):
            preferred, chosen = original(self, segment, skip)
            if skip is None and segment.size == len(channels):
                codes = np.array([plan.CHANNEL_CODE[c] for c in channels], dtype=np.int8)
                return codes.copy(), codes.copy()
            return preferred, chosen

        monkeypatch.setattr(plan.ContactBook, "choose", choose)

    return use


def test_default_routing_keeps_the_call_until_the_agent_holds_nothing(ordered):
    # Chat c0 at 0: reply 0-10, the customer writes again at 110, reply 110-120 ends it.
    # Call c1 at 20: the agent holds a chat, so the call waits for the chat to end: 120-170.
    ordered(["webchat", "voice"])
    c, _, _ = run(blended(), [0, 20])
    assert c["answer_t"].tolist() == [0, 120]
    assert c["end_t"].tolist() == [120, 170]


def test_interruptible_call_takes_the_free_attention_and_the_chat_waits(ordered):
    # Interruptible: the call at 105 goes to the agent holding c0 (attention free): 105-155.
    # c0's customer writes at 110: the reply waits for the call: 155-165.
    ordered(["webchat", "voice"])
    c, m, _ = run(blended({"queue": "voice_first_interruptible"}), [0, 105])
    assert c["answer_t"].tolist() == [0, 105]
    assert c["end_t"].tolist() == [165, 155]
    assert m.loc[m["direction"] == "out", "t"].tolist() == [10, 165]


@pytest.mark.parametrize("slots", [1, 3])
def test_interruptible_call_keeps_the_slots_its_chats_free(ordered, slots):
    # Chat c0 at 0: reply 0-10; the customer is away (writes again at 110) and the chat parks at 40.
    # Call c1 at 20 takes the free attention (20-70) and every free slot (none with one slot). c0's
    # slot freed at 40 goes to the call, so call c2 at 45 waits for the agent (70-120), and c0's next
    # message waits for it too (120-130).
    ordered(["webchat", "voice", "voice"])
    data = blended({"queue": "voice_first_interruptible"}, slots=slots)
    data["channels"]["webchat"]["park_after"] = 30
    c, _, slots = run(data, [0, 20, 45])
    assert c["answer_t"].tolist()[:3] == [0, 20, 70]
    assert c["end_t"].tolist()[1:3] == [70, 120]
    assert c.loc[0, "end_t"] == 130


def test_reservation_keeps_new_chats_from_an_agent_while_a_call_waits(ordered):
    # c0 chat at 0 (replies 0-10 and 110-120); call c1 at 20 waits; chat c2 at 30.
    # Default: c2 takes a free slot at 30 (replies 30-40, 140-150); the call waits until the agent
    #   holds nothing: 150-200.
    # Reservation: c2 waits while the call waits; c0 ends at 120 and the call takes the agent:
    #   120-170; then c2: 170, replies 170-180, 280-290.
    ordered(["webchat", "voice", "webchat"])
    c, _, _ = run(blended(), [0, 20, 30])
    assert c["answer_t"].tolist() == [0, 150, 30]
    ordered(["webchat", "voice", "webchat"])
    c, _, _ = run(blended({"queue": "voice_first_reservation"}), [0, 20, 30])
    assert c["answer_t"].tolist() == [0, 120, 170]
    assert c["end_t"].tolist() == [120, 170, 290]


def test_slot_caps_hold_per_channel_within_the_total(ordered):
    # One agent, total 3 slots, web chat capped at 1: the second web chat (at 1) waits for the first
    # to end (replies 0-10, 110-120), while a WhatsApp chat at 2 takes a slot at once.
    data = scenario(
        {"webchat": {"turns": fixed(2), "agent_time_per_turn": fixed(10), "customer_reply_delay": fixed(100)},
         "whatsapp": {"turns": fixed(1), "agent_time_per_turn": fixed(10)}},
        [{"name": "d", "channels": ["webchat", "whatsapp"], "headcount": 1,
          "concurrency": {"webchat": 1, "whatsapp": 3, "total": 3}}],
        ["webchat", "whatsapp"],
    )
    ordered(["webchat", "webchat", "whatsapp"])
    c, _, _ = run(data, [0, 1, 2])
    assert c["answer_t"].tolist() == [0, 120, 2]
    loaded = load_scenario(data).agents.pools[0]
    assert loaded.concurrency == 3 and loaded.slot_caps == {"webchat": 1, "whatsapp": 3}


def _two_agents(agent_policy: str) -> dict:
    data = scenario(
        {"webchat": {"turns": fixed(2), "agent_time_per_turn": fixed(10), "customer_reply_delay": fixed(1000)},
         "whatsapp": {"turns": fixed(1), "agent_time_per_turn": fixed(500)}},
        [{"name": "d", "channels": ["webchat", "whatsapp"], "headcount": 2, "concurrency": 3}],
        ["webchat", "whatsapp"],
    )
    data["agents"]["routing"] = {"agent": agent_policy}
    return data


@pytest.mark.parametrize(("policy", "agent", "first_reply"), [
    ("most_free_slots", 1, 515), ("idle_attention_first", 0, 40), ("longest_idle", 0, 40)])
def test_idle_attention_first_prefers_a_free_attention_to_more_free_slots(ordered, policy, agent, first_reply):
    # c0 web chat at 0 -> agent 0 (reply 0-10, then the customer is away); c1 WhatsApp at 5 -> agent 1
    # (3 free slots), writing 5-505; c2 web chat at 15 -> agent 0 (2 free slots each, agent 0 first),
    # reply 15-25. At 30 agent 0 has 1 free slot and a free attention, agent 1 has 2 free slots and
    # is writing: the new chat c3 (10 s of work) goes to agent 1 by free slots (first reply after
    # c1's: 505-515) or to agent 0 by free attention (30-40).
    ordered(["webchat", "whatsapp", "webchat", "webchat"])
    data = _two_agents(policy)
    data["channels"]["webchat"]["turns"] = fixed(2)
    c, _, _ = run(data, [0, 5, 15, 30])
    assert c["agent"].tolist()[:3] == [0, 1, 0]
    assert c.loc[3, "agent"] == agent and c.loc[3, "first_reply_t"] == first_reply


@pytest.mark.parametrize(("spill", "agent", "answer", "first_reply"), [
    ("default", 0, 5, 200), (None, 1, 11, 111), (0, 0, 5, 200), (3, 0, 8, 200), (20, 1, 11, 111)])
def test_idle_attention_first_waits_in_the_pool_for_a_free_attention(ordered, spill, agent, answer, first_reply):
    # One-turn chats, 2 agents × 3 slots: web chat c0 at 0 -> agent 0 (writing 0-100); WhatsApp c1 at 1
    # -> agent 1 (1-11); web chat c2 at 5 finds both attentions busy. Most free slots (the default
    # routing, or a spill after 0 s) puts it behind agent 0 (100-200). Idle attention first keeps it
    # in the pool until agent 1's attention frees at 11 (11-111); with spill_after_s 3 it goes to the
    # most free slots at 8 (agent 0 again); with 20 the free attention at 11 comes first.
    data = scenario(
        {"webchat": {"turns": fixed(1), "agent_time_per_turn": fixed(100)},
         "whatsapp": {"turns": fixed(1), "agent_time_per_turn": fixed(10)}},
        [{"name": "d", "channels": ["webchat", "whatsapp"], "headcount": 2, "concurrency": 3}],
        ["webchat", "whatsapp"],
    )
    if spill != "default":
        data["agents"]["routing"] = {"agent": "idle_attention_first", "spill_after_s": spill}
    ordered(["webchat", "whatsapp", "webchat"])
    c, _, _ = run(data, [0, 1, 5])
    assert c["agent"].tolist()[:2] == [0, 1]
    assert (c.loc[2, "agent"], c.loc[2, "answer_t"], c.loc[2, "first_reply_t"]) == (agent, answer, first_reply)
    assert c.loc[2, "queued_t"] == 5


def test_spill_after_needs_idle_attention_first():
    data = blended({"agent": "longest_idle", "spill_after_s": 30})
    with pytest.raises(InputError) as info:
        load_scenario(data)
    assert [p.path for p in info.value.problems] == ["agents.routing.spill_after_s"]


def test_first_replies_first_puts_new_conversations_ahead(ordered):
    # One agent, 3 slots, chats of 2 turns: c0 at 0, reply 0-10, its customer writes again at 20
    # while c1 (at 15) is being answered 15-25; c2 arrives at 22. In turn: c0 25-35, then c2's
    # first reply 35-45. First replies first: c2 25-35.
    data = scenario(
        {"webchat": {"turns": fixed(2), "agent_time_per_turn": fixed(10), "customer_reply_delay": fixed(10)}},
        [{"name": "d", "channels": ["webchat"], "headcount": 1, "concurrency": 3}], ["webchat"])
    c, _, _ = run(data, [0, 15, 22])
    assert c.loc[2, "first_reply_t"] == 45
    data["agents"]["routing"] = {"replies": "first_replies_first"}
    c, _, _ = run(data, [0, 15, 22])
    assert c.loc[2, "first_reply_t"] == 35


# ------------------------------------------------------------------ properties
from hypothesis import given, strategies as st  # noqa: E402

from chansim.scenario.hours import OpenTimes, weekly_hours  # noqa: E402
from test_properties import PROPERTY, check_contact_invariants, small_scenarios  # noqa: E402


@PROPERTY
@given(data=small_scenarios(), agent=st.sampled_from(["most_free_slots", "idle_attention_first", "longest_idle"]),
       queue=st.sampled_from(["priority", "voice_first_interruptible", "voice_first_reservation"]),
       spill=st.sampled_from([None, 0.0, 45.0]),
       replies=st.sampled_from(["in_turn", "first_replies_first"]),
       hours=st.sampled_from([None, {"daily": "06:00-18:00"}, {"mon-fri": ["00:00-03:00", "09:00-24:00"]}]))
def test_every_policy_and_opening_hours_keep_the_log_consistent(data, agent, queue, replies, spill, hours):
    data["agents"]["routing"] = {"agent": agent, "queue": queue, "replies": replies}
    if agent == "idle_attention_first" and spill is not None:
        data["agents"]["routing"]["spill_after_s"] = spill
    if hours is not None:
        for spec in data["channels"].values():
            spec["hours"] = hours
    s = load_scenario(data)
    log = run_replication(s, s.strategy_names[0], 0)
    check_contact_invariants(log, s)
    c = log.contacts
    closed = c["outcome"].astype(str) == "closed"
    if hours is None:
        assert not closed.any()
        return
    times = OpenTimes(weekly_hours(hours), s.start_date, s.horizon_s + 8 * 86_400)
    # calls end closed exactly when they arrive while closed; everyone else joins the queue in open time
    voice = (c["channel"].astype(str) == "voice").to_numpy()
    open_at_arrival = np.array([times.is_open(t) for t in c["arrival_t"]], dtype=bool)
    np.testing.assert_array_equal(closed.to_numpy(), voice & ~open_at_arrival)
    queued = c["queued_t"].dropna()
    assert all(times.is_open(t) for t in queued)


def test_every_declared_policy_name_has_an_engine_class_and_every_class_a_declared_name():
    from pydantic import ValidationError

    from chansim.engine.routing import AGENT_CHOICES, QUEUE_ORDERS, REPLY_ORDERS
    from chansim.scenario.models import ROUTING_POLICIES, Routing

    tables = {"agent": AGENT_CHOICES, "queue": QUEUE_ORDERS, "replies": REPLY_ORDERS}
    assert set(ROUTING_POLICIES) == set(tables) == set(Routing.model_fields) - {"spill_after_s"}
    for question, names in ROUTING_POLICIES.items():
        assert names and sorted(tables[question]) == sorted(names), question
        assert all(isinstance(policy, type) for policy in tables[question].values())
        for name in names:  # the scenario accepts each declared name, and no other
            assert getattr(Routing(**{question: name}), question) == name
        with pytest.raises(ValidationError):
            Routing(**{question: "no_such_policy"})
