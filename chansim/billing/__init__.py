"""What channels cost: pure functions from the event log to cost lines."""

from chansim.billing.fees import channel_costs
from chansim.billing.sms import sms_segments

__all__ = ["channel_costs", "sms_segments"]
