"""`python -m bot.cli`: the same as `gdpr-bot`."""

from bot.cli.root import main

main()
