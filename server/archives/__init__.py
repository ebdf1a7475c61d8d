"""An X/Twitter data export ("Download an archive of your data") read into tweets we can analyse (issue 15, M26)."""
