"""The demo world builder is reproducible and the committed world is what it builds."""

from __future__ import annotations

import pytest

from server.dev.twitter_local import build_demo, load_world
from tests.server.conftest import DEMO_WORLD

pytestmark = [
    pytest.mark.slow,  # builds from data: in `make test`, not `make test-fast`
    pytest.mark.skipif(
        not (build_demo.DEFAULT_DATA / "twitter_ego").is_dir(), reason=f"shared data not at {build_demo.DEFAULT_DATA}"
    ),
]


def file_bytes(directory):
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_small_build_is_byte_identical_on_rerun(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    build_demo.build(out=first, max_accounts=40, large_tweets=50)
    build_demo.build(out=second, max_accounts=40, large_tweets=50)
    assert file_bytes(first) == file_bytes(second)
    world = load_world(first)
    assert len(world.users) == 41  # 40 SNAP accounts and the bot
    assert world.user_by_username("sunny_sam") and world.bot


def test_committed_demo_world_is_the_builders_output(tmp_path):
    # A separate process built the committed files, so this also checks that nothing depends on hash seeds.
    build_demo.build(out=tmp_path / "demo")
    assert file_bytes(tmp_path / "demo") == file_bytes(DEMO_WORLD)
