"""The mention bot: poll the bot's mentions, act on each command, reply once without a mood word."""
