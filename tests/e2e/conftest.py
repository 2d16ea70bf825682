"""End-to-end: the bot served over HTTP, Slack played by the emulator on loopback.

The `sandbox` fixture lives in tests/conftest.py; stories share helpers in helpers.py.
"""
