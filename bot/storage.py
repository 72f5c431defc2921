"""Bot-side tables: conversation references, processed events, question log, feedback."""
