"""The follower graph: ``store`` (SQL rows, version, change log), ``cache`` (networkx per worker), ``snap`` (import).

Only ``cache`` imports networkx, so a web process that stores follows or deletes an account never loads it.
"""
