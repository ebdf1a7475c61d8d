"""``flask --app server graph ...``: import the SNAP follower graph, show what is stored; ``archive import``."""

from __future__ import annotations

from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from ml.topics import DAY, HOUR
from server import jobs, privacy
from server.archives import imports
from server.archives.reader import ArchiveError
from server.extensions import db
from server.graph.snap import ImportFileError, import_snap
from server.graph.store import graph_version
from server.models import Follow, GraphAccount, GraphHashtag, Topic
from server.pipelines.topic import explained_peaks, new_topic, topic_days, topic_hours

graph_cli = AppGroup("graph", help="The follower graph: import SNAP files, show counts.")
archive_cli = AppGroup("archive", help="X/Twitter data exports: import one for an account that asked.")
topics_cli = AppGroup("topics", help="Public emotion on a search query: watch one, show its days and peaks.")


def register(app: Flask) -> None:
    """Add the ``graph``, ``archive`` and ``topics`` commands to the app's CLI."""
    app.cli.add_command(graph_cli)
    app.cli.add_command(archive_cli)
    app.cli.add_command(topics_cli)


@archive_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--username", required=True, help="the account the export is for (it must have consented)")
def import_archive_command(file: str, username: str) -> None:
    """Check an export (ZIP or tweets.js) and queue its import and analysis, as an upload on /me does."""
    try:
        privacy.require_consent(username, current_app.config["REQUIRE_CONSENT"])
        with open(file, "rb") as stream:
            job = imports.start_import(username, None, stream.read(imports.max_bytes() + 1), file)
    except (ArchiveError, privacy.ConsentRequired, jobs.QueueUnavailable) as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(f"job {job.id}: importing {job.total} tweets of @{username}, then analysing them")


@graph_cli.command("import")
@click.argument("edges", type=click.Path(exists=True, dir_okay=False))
@click.option("--hashtags", type=click.Path(exists=True, dir_okay=False), help="SNAP node_features.tsv(.gz)")
@click.option("--source", default="snap", show_default=True, help="source recorded on new edges")
def import_command(edges: str, hashtags: str | None, source: str) -> None:
    """Import a SNAP edge list (FOLLOWER FOLLOWEE per line, plain or .gz) and optionally its hashtags."""
    try:
        stats = import_snap(edges, hashtags, source=source)
    except ImportFileError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(
        f"edges: {stats.edges_read} read, {stats.edges_new} new; hashtags: {stats.hashtags_new} new for "
        f"{stats.accounts_with_hashtags} accounts; {stats.seconds:.1f} s; graph version {graph_version()}"
    )


@graph_cli.command("stats")
def stats_command() -> None:
    """Print the stored graph's node, edge and hashtag counts and its version."""
    endpoints = sa.union(sa.select(Follow.follower_id), sa.select(Follow.followee_id)).subquery()
    counts = {
        "nodes": db.session.scalar(sa.select(sa.func.count()).select_from(endpoints)),
        "edges": db.session.scalar(sa.select(sa.func.count()).select_from(Follow)),
        "version": graph_version(),
        "hashtag_rows": db.session.scalar(sa.select(sa.func.count()).select_from(GraphHashtag)),
        "known_usernames": db.session.scalar(
            sa.select(sa.func.count()).where(GraphAccount.username.is_not(None)).select_from(GraphAccount)
        ),
    }
    for name, value in counts.items():
        click.echo(f"{name}: {value}")


@topics_cli.command("watch")
@click.argument("query")
@click.option("--start", type=click.DateTime(), required=True, help="from when (UTC), e.g. 2026-12-01")
@click.option("--end", type=click.DateTime(), default=None, help="until when (UTC); default: up to now")
@click.option("--watch/--once", default=True, show_default=True, help="refresh it periodically (beat)")
def watch_topic_command(query: str, start: datetime, end: datetime | None, watch: bool) -> None:
    """Start a topic job for QUERY (Twitter search syntax) and print the topic's id."""
    start, end = start.replace(tzinfo=UTC), end.replace(tzinfo=UTC) if end else None
    if end is not None and end <= start:
        click.echo("error: --end must be after --start", err=True)
        raise SystemExit(1)
    try:
        job = new_topic(query, start, end, watch, "cli")
    except jobs.QueueUnavailable as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(f"topic {job.username}: job {job.id} searching {query!r}")


@topics_cli.command("show")
@click.argument("topic_id")
@click.option("--hours", is_flag=True, help="the hours of the period's last seven days instead of its days")
def show_topic_command(topic_id: str, hours: bool) -> None:
    """Print a topic's days (or hours) as a table, then their peaks with the hashtags that explain them."""
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        click.echo(f"error: no topic {topic_id}", err=True)
        raise SystemExit(1)
    buckets = topic_hours(topic) if hours else topic_days(topic)
    unit, width, shown = ("hour", 16, "%Y-%m-%d %H:00") if hours else ("day", 10, "%Y-%m-%d")
    click.echo(f"{topic.query}  ({topic.tweets} tweets, model {topic.model_version or '-'})")
    click.echo(f"{unit:<{width}} {'tweets':>6} {'positive':>8} {'negative':>8}  top emotion")
    for key, agg in sorted(buckets.items()):
        top = agg.top.most_common(1)[0][0] if agg.top else "-"
        numbers = f"{agg.tweets:>6} {agg.positivity:>8.3f} {agg.negativity:>8.3f}"
        click.echo(f"{key.strftime(shown):<{width}} {numbers}  {top}")
    peaks = explained_peaks(topic, buckets, HOUR if hours else DAY)
    click.echo(f"peaks: {len(peaks)}")
    for found in peaks:
        tags = ", ".join(f"#{tag} x{lift:.1f}" for tag, lift, _ in found.hashtags) or "-"
        peak = found.peak
        what = f"{found.series} {peak.direction} score {peak.score:.1f}"
        click.echo(f"  {peak.day.strftime(shown)} {what}; hashtags: {tags}")
