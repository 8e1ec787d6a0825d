"""Crash recovery of the local streaming pipeline: subscription snapshots as checkpoints.

Beam's DirectRunner acknowledges the messages it pulls *before* it writes them (FIELD_NOTES:
at-most-once on a crash), so a pipeline killed mid-stream loses whatever it had pulled and not
yet landed. The subscription retains acked messages for 7 days (``pubsub_admin``), which makes
this recoverable:

- a **checkpoint** is a Pub/Sub snapshot of the subscription taken at a moment when everything
  published so far is known to have landed (``make stream`` takes one after each chunk it has
  seen land; ``make demo`` after it drains the backlog). A snapshot keeps every message not
  acked at that moment and everything published later;
- **restore**: before a streaming pipeline starts, the subscription seeks back to the newest
  checkpoint, so whatever a killed pipeline acked but never wrote is delivered again.

The price is a replay of what arrived since the checkpoint: those events land a second time
and are dropped downstream (staging deduplicates on ``event_id``, the dead letters on
``message_id``, and the facts merge on their keys), so the master is unchanged by it. The
emulator implements seek to a snapshot but not seek to a time on subscriptions with message
ordering, which is why checkpoints are snapshots.

On Dataflow none of this is needed: a message is acknowledged only after the step that read it
has been durably committed, so a crashed or drained job resumes where it stopped. The
subscription Terraform creates retains acked messages too, for an operator's seek after an
incident (a bad deploy that wrote wrong rows, say).

    python -m expedientes.recovery mark|restore|list [--subscription S]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import UTC, datetime

from google.api_core import exceptions
from google.cloud import pubsub_v1

from expedientes import settings
from expedientes.pubsub_admin import Resources

MARKER = "-ckpt-"
KEEP = 2  # the newest checkpoint and the one before it


def _prefix(resources: Resources) -> str:
    return settings.snapshot_path(resources.project, resources.subscription + MARKER)


def checkpoints(resources: Resources, subscriber: pubsub_v1.SubscriberClient) -> list[str]:
    """Snapshot paths of this subscription's checkpoints, oldest first (names sort by time)."""
    prefix = _prefix(resources)
    found = subscriber.list_snapshots(request={"project": f"projects/{resources.project}"})
    return sorted(s.name for s in found if s.name.startswith(prefix))


def checkpoints_of(resources: Resources) -> list[str]:
    """:func:`checkpoints` with a client of its own."""
    with pubsub_v1.SubscriberClient() as client:
        return checkpoints(resources, client)


def mark(resources: Resources, subscriber: pubsub_v1.SubscriberClient | None = None) -> str:
    """Take a checkpoint now and drop the older ones but one; returns its snapshot path.

    Only call it when everything acked so far has landed: a message acked before the
    snapshot and not yet written could not be recovered from it."""
    with _client(subscriber) as client:
        stamp = datetime.now(UTC).strftime("%Y%m%dt%H%M%S%f")
        name = _prefix(resources) + stamp
        client.create_snapshot(request={"name": name, "subscription": resources.subscription_path})
        for old in checkpoints(resources, client)[:-KEEP]:
            with contextlib.suppress(exceptions.NotFound):
                client.delete_snapshot(request={"snapshot": old})
        return name


def restore(
    resources: Resources, subscriber: pubsub_v1.SubscriberClient | None = None
) -> str | None:
    """Seek the subscription back to its newest checkpoint; returns it, or None (and takes a
    first checkpoint) when there is none yet."""
    with _client(subscriber) as client:
        existing = checkpoints(resources, client)
        if not existing:
            mark(resources, client)
            return None
        client.seek(request={"subscription": resources.subscription_path, "snapshot": existing[-1]})
        return existing[-1]


def _client(subscriber: pubsub_v1.SubscriberClient | None):
    """The given subscriber as is, or a new one that closes on the way out."""
    return contextlib.nullcontext(subscriber) if subscriber else pubsub_v1.SubscriberClient()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m expedientes.recovery",
        description="Checkpoints of the pipeline's subscription (Pub/Sub snapshots): take one, "
        "seek back to the newest, or list them.",
    )
    parser.add_argument("command", choices=("mark", "restore", "list"))
    parser.add_argument("--project", default=settings.project_id())
    parser.add_argument("--subscription", default=settings.SUBSCRIPTION)
    args = parser.parse_args(argv)
    resources = Resources(project=args.project, subscription=args.subscription)
    where = os.environ.get("PUBSUB_EMULATOR_HOST") or "Google Cloud"
    try:
        if args.command == "mark":
            print(f"checkpoint {mark(resources)} ({where})")
        elif args.command == "restore":
            restored = restore(resources)
            print(f"sought back to {restored}" if restored else "no checkpoint yet: took one")
        else:
            for name in checkpoints_of(resources):
                print(name)
    except exceptions.GoogleAPIError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
