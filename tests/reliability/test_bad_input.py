"""Scenario 1: a corpus of malformed messages between valid events, through the streaming
pipeline: every one dead-lettered with the right reason, no crash, the valid events around
them (hostile court names included) unaffected."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.dbt_runner import query
from tests.reliability import corpus
from tests.reliability.harness import (
    HOSTILE_JUZGADOS,
    Outcome,
    StreamingPipeline,
    dead_letters,
    messages_for,
    publish,
    reconcile,
    wait_for_landing,
)


def test_every_malformed_message_is_dead_lettered_with_its_reason(
    pubsub_resources, data_dir: Path, tmp_path: Path, events, clean_builds
) -> None:
    assert len(corpus.KINDS) >= 20
    bad = corpus.malformed_messages(events, copies=2)
    good = messages_for(events)
    # interleave: a malformed message after every few valid ones
    step = max(1, len(good) // len(bad))
    messages = []
    for i, message in enumerate(good):
        messages.append(message)
        if i % step == 0 and bad:
            messages.append(bad.pop())
    messages.extend(bad)
    expected = Counter(
        corpus.expected_error_type(m.attributes["corpus_kind"])
        for m in messages
        if m.kind == "malformed"
    )

    with StreamingPipeline(pubsub_resources, tmp_path) as pipeline:
        child = pipeline.start()
        confirmed = publish(pubsub_resources, messages)
        wait_for_landing(data_dir, {e["event_id"] for e in events}, sum(expected.values()), child)
        assert child.running(), "the pipeline survived the whole corpus"

    by_kind = {
        attrs["corpus_kind"]: error_type for error_type, attrs in dead_letters(data_dir).values()
    }
    wrong = {
        kind: (got, corpus.expected_error_type(kind))
        for kind, got in by_kind.items()
        if got != corpus.expected_error_type(kind)
    }
    assert not wrong, f"dead-lettered with the wrong reason (got, expected): {wrong}"
    assert set(by_kind) == set(corpus.KINDS)

    outcome = reconcile(
        Outcome(
            "bad input corpus",
            f"{len(corpus.KINDS)} kinds of malformed message x2, interleaved",
            published=confirmed,
        ),
        data_dir,
        events,
        expected,
        clean_builds(events),
    )
    assert outcome.ok, outcome
    juzgados = {row[0] for row in query(data_dir, "select juzgado from main.expedientes")}
    assert set(HOSTILE_JUZGADOS) <= juzgados, "hostile text stored verbatim"
