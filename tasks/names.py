"""Names of the periodic and maintenance tasks (each job kind's task is named in ``server.jobs.kinds``).

A leaf module: ``config.py`` builds the beat schedule from it without importing Celery or the app.
"""

POLL_MENTIONS = "mood.poll_mentions"
DROP_OLD_TWEET_TEXT = "mood.drop_old_tweet_text"
REANALYSE_STALE = "mood.reanalyse_stale"
RECOVER_JOBS = "mood.recover_jobs"
