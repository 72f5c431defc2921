"""Tables the bot owns (handled events, conversation references, the question log, report
links) and the small stores that hand them to features and platforms."""
