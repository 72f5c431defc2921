"""The chat layer every platform shares: the neutral messages, the conversation, strings,
the command table, the pipeline before the conversation, metrics. Knows no platform."""
