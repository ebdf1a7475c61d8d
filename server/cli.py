"""``flask --app server graph ...``: import the SNAP follower graph, show what is stored; ``archive import``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from server import jobs, privacy
from server.archives import imports
from server.archives.reader import ArchiveError
from server.extensions import db
from server.graph.snap import ImportFileError, import_snap
from server.graph.store import graph_version
from server.models import Follow, GraphAccount, GraphHashtag

graph_cli = AppGroup("graph", help="The follower graph: import SNAP files, show counts.")
archive_cli = AppGroup("archive", help="X/Twitter data exports: import one for an account that asked.")


def register(app: Flask) -> None:
    """Add the ``graph`` and ``archive`` commands to the app's CLI."""
    app.cli.add_command(graph_cli)
    app.cli.add_command(archive_cli)


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
