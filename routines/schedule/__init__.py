"""Schedules: rules that turn a catalogue schedule into dates, and the jobs that tick."""
