"""Names of the periodic and maintenance tasks (each job kind's task is named in ``server.jobs.kinds``).

A leaf module: ``config.py`` builds the beat schedule from it without importing Celery or the app.
"""

POLL_MENTIONS = "mood.poll_mentions"
DROP_OLD_TWEET_TEXT = "mood.drop_old_tweet_text"
REANALYSE_STALE = "mood.reanalyse_stale"
SWEEP_JOBS = "mood.sweep_jobs"
RESUME_JOB = "mood.resume_job"
REFRESH_TOPICS = "mood.refresh_topics"
