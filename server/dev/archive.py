"""A small synthetic X/Twitter data export for the demo: ``python -m server.dev.archive OUT.zip``.

It has the real export's shape (``data/account.js``, ``data/tweets.js`` as ``window.YTD.<name>.part0 = [...]``)
and twelve weeks of tweets by ``quiet_quinn``, who has no tweets on the local Twitter API: a hard month that
eases, so the dashboard's trend has a story. Dates end at the time it is built. Everything in it is invented.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ARCHIVE_USERNAME, ARCHIVE_ACCOUNT_ID = "quiet_quinn", "21519885"  # the demo world's account
EXPORT_TIME = "%a %b %d %H:%M:%S +0000 %Y"
# (weeks before now, text): read from oldest to newest.
TWEETS = [
    (12, "Deadline moved up again. I have not slept properly in days and everything feels like too much."),
    (12, "So tired of pretending I'm fine at work. I just want to cry in the car."),
    (11, "Why does every single thing break on the same day?? Furious at this landlord."),
    (11, "Another night staring at the ceiling. I miss how things used to be."),
    (11, "Scared about the test results tomorrow, can't focus on anything."),
    (10, "The silence in this flat is so heavy lately. Feeling really alone."),
    (10, "Missed the train, spilled the coffee, got yelled at. Perfect. #mondays"),
    (10, "I'm worried I'm letting everyone down and nobody says it."),
    (9, "Rough week but my sister called and we talked for two hours. Needed that."),
    (9, "Still anxious about money, but I made a budget and it helps a little."),
    (9, "Heartbroken that the old café closed. So many memories there."),
    (8, "Took a long walk by the river this morning. Head feels clearer. #walking"),
    (8, "Made soup from scratch and it was actually good! Small wins."),
    (8, "Nervous about the new job interview on Friday, fingers crossed."),
    (7, "Got the job!!! I can't believe it, so happy right now 🎉"),
    (7, "First day at the new place. Everyone was kind. Relieved and grateful."),
    (7, "Band practice tonight, I forgot how much I love playing. #music"),
    (6, "Sunday pancakes with friends, laughed until it hurt. Love these people."),
    (6, "Honestly a calm, ordinary week. I'll take it."),
    (6, "Finished the book I started in spring. What an ending, wow!"),
    (5, "The garden is full of tomatoes and I am absurdly proud of them. #gardening"),
    (5, "Annoyed that the bus was late again, but the sunset made up for it."),
    (5, "Booked a weekend by the sea. Can't wait!"),
    (4, "Beach weekend was perfect. Swam, read, slept. Feeling so rested. #travel"),
    (4, "Grateful for a boss who says thank you. Rare and lovely."),
    (4, "A little sad saying goodbye to my old neighbour who moved away today."),
    (3, "Surprise birthday party from the team. I had no idea! Thank you all ❤️"),
    (3, "Cooked for six people and nothing burned. Proud of myself."),
    (3, "Morning run in the rain, felt amazing afterwards. #running"),
    (2, "Lazy Saturday, tea and old films. Content."),
    (2, "Started volunteering at the library on Wednesdays. Such a joy."),
    (2, "Worried about my dad's surgery next week, but the doctors sound hopeful."),
    (1, "Dad's surgery went well! Such a relief, we're all so happy."),
    (1, "Played music in the park with friends tonight. Life is good. #music"),
    (1, "Just a quiet good day. Coffee, sunshine, a nice chat with a stranger."),
    (0, "Feeling hopeful about the winter for the first time in years."),
    (0, "Thank you to everyone who was kind to me this year. It mattered. ❤️"),
]


def demo_archive(now: datetime | None = None) -> bytes:
    """The export as ZIP bytes, its newest tweet at ``now`` (default: the current time)."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    records = []
    for index, (weeks, text) in enumerate(TWEETS):
        # Spread each week's tweets over its days and hours, oldest first, ids rising with time.
        when = now - timedelta(weeks=weeks, days=(len(TWEETS) - index) % 5, hours=(index * 7) % 13)
        when = min(when, now)
        tweet_id = str(1_800_000_000_000_000_000 + int(when.timestamp()) * 1000 + index)
        tags = [{"text": word[1:].strip(".,!")} for word in text.split() if word.startswith("#")]
        records.append(
            {
                "tweet": {
                    "id_str": tweet_id,
                    "full_text": text,
                    "created_at": when.strftime(EXPORT_TIME),
                    "favorite_count": str(index % 4),
                    "retweet_count": str(index % 2),
                    "lang": "en",
                    "entities": {"hashtags": tags},
                }
            }
        )
    account = [{"account": {"accountId": ARCHIVE_ACCOUNT_ID, "username": ARCHIVE_USERNAME}}]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("data/account.js", "window.YTD.account.part0 = " + json.dumps(account, indent=2))
        bundle.writestr("data/tweets.js", "window.YTD.tweets.part0 = " + json.dumps(records, indent=2))
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    """Write the demo export to the path given."""
    if len(argv) != 1:
        print("usage: python -m server.dev.archive OUT.zip", file=sys.stderr)
        return 2
    Path(argv[0]).write_bytes(demo_archive())
    print(argv[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
