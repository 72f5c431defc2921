"""The platforms the bot speaks on: Slack, Teams and the console, each one front end."""
