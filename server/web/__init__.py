"""Pages for people in a browser (today: the private result behind a bot reply's ``/r/<token>`` link)."""
