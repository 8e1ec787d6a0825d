"""Create the Pub/Sub topic and subscriptions idempotently, on the emulator or on Pub/Sub.

Resources (names from :mod:`expedientes.settings`):

- topic ``expedientes-updates`` (7 days of message retention), where the generator publishes;
- subscription ``expedientes-sub`` on it, read by the pipeline: ordered delivery per ordering
  key (the case ``ref``), acked messages retained for 7 days so a subscription ``seek`` can
  replay them after a crash, and a dead-letter policy that moves a message nobody manages to
  ack after 10 deliveries to
- topic ``expedientes-updates-dead-letter``, with subscription ``expedientes-dead-letter-sub`` so
  those messages are kept until someone looks at them.

With ``PUBSUB_EMULATOR_HOST`` set the official client talks to the emulator; otherwise it uses
Application Default Credentials against Pub/Sub (in production Terraform owns these resources,
and this module is for ad-hoc projects). Run::

    python -m expedientes.pubsub_admin ensure [--project P] [--topic T] [--subscription S]
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass

from google.api_core import exceptions
from google.cloud import pubsub_v1
from google.protobuf import duration_pb2

from expedientes import settings

RETENTION = duration_pb2.Duration(seconds=7 * 24 * 3600)
MAX_DELIVERY_ATTEMPTS = 10
ACK_DEADLINE_SECONDS = 60


@dataclass(frozen=True)
class Resources:
    project: str
    topic: str = settings.TOPIC
    subscription: str = settings.SUBSCRIPTION
    dead_letter_topic: str = settings.DEAD_LETTER_TOPIC
    dead_letter_subscription: str = settings.DEAD_LETTER_SUBSCRIPTION

    @property
    def topic_path(self) -> str:
        return settings.topic_path(self.project, self.topic)

    @property
    def subscription_path(self) -> str:
        return settings.subscription_path(self.project, self.subscription)

    @property
    def dead_letter_topic_path(self) -> str:
        return settings.topic_path(self.project, self.dead_letter_topic)

    @property
    def dead_letter_subscription_path(self) -> str:
        return settings.subscription_path(self.project, self.dead_letter_subscription)


class Unreachable(RuntimeError):
    """Pub/Sub (the emulator) does not answer, or a resource is missing; the message says
    what to run."""


def require_emulator_answers(timeout: float = 2.0) -> None:
    """With ``PUBSUB_EMULATOR_HOST`` set, fail in one line when nothing answers there (the
    client would otherwise retry for minutes)."""
    host = os.environ.get("PUBSUB_EMULATOR_HOST")
    if not host:
        return
    try:
        with urllib.request.urlopen(f"http://{host}/", timeout=timeout):
            pass
    except (urllib.error.URLError, OSError) as exc:
        raise Unreachable(
            f"the Pub/Sub emulator at {host} does not answer ({exc}); "
            "start it with `make emulator-start`"
        ) from None


def require_subscription(path: str, timeout: float = 10.0) -> None:
    """Fail in one line when the subscription cannot be read: emulator down, or no such
    subscription (checked before a streaming pipeline starts, which would otherwise wait)."""
    require_emulator_answers()
    try:
        with pubsub_v1.SubscriberClient() as subscriber:
            subscriber.get_subscription(request={"subscription": path}, timeout=timeout)
    except exceptions.NotFound:
        raise Unreachable(
            f"subscription {path} does not exist; create it with `make emulator-start` "
            "(emulator) or `make pubsub-init`"
        ) from None
    except exceptions.GoogleAPIError as exc:
        raise Unreachable(f"cannot read Pub/Sub subscription {path}: {exc}") from None


def _create(create, *args, **kwargs) -> str:
    try:
        create(*args, **kwargs)
    except exceptions.AlreadyExists:
        return "exists"
    return "created"


def ensure(
    resources: Resources,
    publisher: pubsub_v1.PublisherClient | None = None,
    subscriber: pubsub_v1.SubscriberClient | None = None,
) -> dict[str, str]:
    """Create whatever is missing; return ``{resource path: 'created' | 'exists'}``.

    Existing resources are left as they are (no update), so running it twice is harmless.
    """
    publisher = publisher or pubsub_v1.PublisherClient()
    own_subscriber = subscriber is None
    subscriber = subscriber or pubsub_v1.SubscriberClient()
    result: dict[str, str] = {}
    try:
        for path in (resources.topic_path, resources.dead_letter_topic_path):
            result[path] = _create(
                publisher.create_topic,
                request={"name": path, "message_retention_duration": RETENTION},
            )
        result[resources.subscription_path] = _create(
            subscriber.create_subscription,
            request={
                "name": resources.subscription_path,
                "topic": resources.topic_path,
                "ack_deadline_seconds": ACK_DEADLINE_SECONDS,
                "enable_message_ordering": True,
                "retain_acked_messages": True,
                "message_retention_duration": RETENTION,
                "dead_letter_policy": {
                    "dead_letter_topic": resources.dead_letter_topic_path,
                    "max_delivery_attempts": MAX_DELIVERY_ATTEMPTS,
                },
                "retry_policy": {
                    "minimum_backoff": duration_pb2.Duration(seconds=10),
                    "maximum_backoff": duration_pb2.Duration(seconds=600),
                },
            },
        )
        result[resources.dead_letter_subscription_path] = _create(
            subscriber.create_subscription,
            request={
                "name": resources.dead_letter_subscription_path,
                "topic": resources.dead_letter_topic_path,
                "ack_deadline_seconds": ACK_DEADLINE_SECONDS,
                "message_retention_duration": RETENTION,
            },
        )
    finally:
        if own_subscriber:
            subscriber.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m expedientes.pubsub_admin",
        description="Create the expedientes Pub/Sub topic and subscriptions (idempotent).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ensure_cmd = commands.add_parser("ensure", help="create whatever is missing")
    ensure_cmd.add_argument(
        "--project",
        default=settings.project_id(),
        help="Google Cloud project (default: %(default)s)",
    )
    ensure_cmd.add_argument(
        "--topic", default=settings.TOPIC, help="topic id (default: %(default)s)"
    )
    ensure_cmd.add_argument(
        "--subscription",
        default=settings.SUBSCRIPTION,
        help="subscription id (default: %(default)s)",
    )
    ensure_cmd.add_argument(
        "--dead-letter-topic",
        default=settings.DEAD_LETTER_TOPIC,
        help="dead-letter topic id (default: %(default)s)",
    )
    ensure_cmd.add_argument(
        "--dead-letter-subscription",
        default=settings.DEAD_LETTER_SUBSCRIPTION,
        help="subscription on the dead-letter topic (default: %(default)s)",
    )
    args = parser.parse_args(argv)

    resources = Resources(
        project=args.project,
        topic=args.topic,
        subscription=args.subscription,
        dead_letter_topic=args.dead_letter_topic,
        dead_letter_subscription=args.dead_letter_subscription,
    )
    where = os.environ.get("PUBSUB_EMULATOR_HOST")
    target = f"emulator at {where}" if where else "Google Cloud (Application Default Credentials)"
    print(f"Pub/Sub: {target}")
    try:
        for path, outcome in ensure(resources).items():
            print(f"  {outcome:8} {path}")
    except (exceptions.GoogleAPIError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
