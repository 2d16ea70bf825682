"""Sending to Slack: the messenger and the Block Kit it carries."""
