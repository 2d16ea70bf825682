"""A local Slack: Web API, response_urls and signed inbound traffic over loopback HTTP.

with SlackEmulator(clock=ManualClock()) as slack:
    web = WebClient(base_url=slack.api_url, token=slack.bot_token)
    inbound = SlackClient("http://127.0.0.1:3000/slack/events", signing_secret, slack)
    inbound.command("maya.hm", "/loop", "new")
    view = slack.open_views("maya.hm")[-1]
    inbound.submit("maya.hm", view, ModalForm(view, slack.workspace).fill({...}))
    assert not slack.violations
"""

from .blockkit import check_message, check_view
from .client import Reply, SlackClient
from .clock import ManualClock
from .common import ApiCall, ApiError
from .forms import Field, FormError, ModalForm
from .webapi import SlackEmulator
from .workspace import (
    PANEL_HANDLES,
    Channel,
    Edit,
    Message,
    User,
    View,
    Workspace,
    sample_workspace,
)

__all__ = [
    "PANEL_HANDLES",
    "ApiCall",
    "ApiError",
    "Channel",
    "Edit",
    "Field",
    "FormError",
    "ManualClock",
    "Message",
    "ModalForm",
    "Reply",
    "SlackClient",
    "SlackEmulator",
    "User",
    "View",
    "Workspace",
    "check_message",
    "check_view",
    "sample_workspace",
]
