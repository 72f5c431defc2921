"""Fakes shared by tests/ and bench/: they speak real HTTP on loopback (the Slack Web API,
Socket Mode, the Bot Framework connector), signed Slack payloads, and the scale stack.

Nothing here imports `tests`.
"""
