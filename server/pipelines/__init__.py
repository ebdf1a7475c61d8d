"""The steps of each job kind (analysis, recommendations) and the admin re-analysis runs."""
