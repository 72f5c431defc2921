"""Schedule rules: a catalogue schedule (cron, every, dates) to local dates and moments."""
