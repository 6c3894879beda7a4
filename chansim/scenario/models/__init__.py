"""The scenario file as frozen pydantic models, one module per section.

Each field is described once, with its unit; the JSON Schema (``chansim
schema``) is generated from these descriptions. Units: times in seconds, money
in the scenario's currency, rates per day unless the key says otherwise.
Cross-field rules (shares sum to 1, every channel defined, ...) live in
:mod:`chansim.scenario.checks`.
"""

from chansim.scenario.channels import CHANNELS, ChannelName, channel_kind
from chansim.scenario.models.agents import ROUTING_POLICIES, Agents, Break, Pool, Routing, Shift
from chansim.scenario.models.channels import Channel, Escalation
from chansim.scenario.models.csat import Csat
from chansim.scenario.models.decision import Decision
from chansim.scenario.models.demand import Demand, Intent, Repeats, Segment
from chansim.scenario.models.plan import Plan
from chansim.scenario.models.pricing import Fee, Pricing
from chansim.scenario.models.scenario import Scenario, validate_scenario
from chansim.scenario.models.strategies import Bot, Campaign, IvrDeflection, Strategy

__all__ = [
    "CHANNELS",
    "ChannelName",
    "channel_kind",
    "Segment",
    "Intent",
    "Demand",
    "Channel",
    "Fee",
    "Bot",
    "IvrDeflection",
    "Campaign",
    "Repeats",
    "Escalation",
    "Pricing",
    "Break",
    "Shift",
    "Pool",
    "Routing",
    "Agents",
    "ROUTING_POLICIES",
    "Csat",
    "Decision",
    "Strategy",
    "Plan",
    "Scenario",
    "validate_scenario",
]
