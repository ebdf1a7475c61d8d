"""Who is asking, and what they may reach.

``principals``: the one rule for an account's data (its signed-in session, a client it authorised, the bot's
private link, an admin). ``oauth``: "Sign in with X" (OAuth 2.0 Authorization Code with PKCE, through tweepy).
``sessions``: the signed-in browser's server-side session. ``tokens``: the account's user tokens, encrypted.
"""
