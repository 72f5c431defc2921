"""Routine tables: occurrences, confirmations, reminders, ledger."""
