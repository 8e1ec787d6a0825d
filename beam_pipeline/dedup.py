"""Best-effort deduplication on ``event_id`` inside the pipeline.

Pub/Sub delivers at least once. On Dataflow, ``ReadFromPubSub(id_label='event_id')`` drops
redeliveries at the source; the Python DirectRunner rejects ``id_label``, so this stateful
``DoFn`` remembers each ``event_id`` for ``ttl_seconds`` of processing time and drops repeats
(counted as ``duplicates``). It runs on every runner; dbt still deduplicates on ``event_id``,
because no pipeline can remember every id forever.
"""

from __future__ import annotations

import apache_beam as beam
from apache_beam.coders import BooleanCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration, Timestamp


class DropRepeatedEventIdsFn(beam.DoFn):
    """Input: ``(event_id, element)``. Output: the element the first time its id is seen."""

    SEEN = ReadModifyWriteStateSpec("seen", BooleanCoder())
    FORGET = TimerSpec("forget", TimeDomain.REAL_TIME)

    def __init__(self, ttl_seconds: int) -> None:
        self.ttl_seconds = ttl_seconds
        self.duplicates = Metrics.counter("expedientes", "duplicates")

    def process(
        self,
        keyed,
        seen=beam.DoFn.StateParam(SEEN),  # noqa: B008 - Beam's way of declaring state
        forget=beam.DoFn.TimerParam(FORGET),  # noqa: B008
    ):
        _event_id, element = keyed
        if seen.read():
            self.duplicates.inc()
            return
        seen.write(True)
        forget.set(Timestamp.now() + Duration(seconds=self.ttl_seconds))
        yield element

    @on_timer(FORGET)
    def forget_event_id(self, seen=beam.DoFn.StateParam(SEEN)):  # noqa: B008
        seen.clear()


class KeepFirstFn(beam.DoFn):
    """Input: ``(event_id, [elements])`` after a GroupByKey. Output: the first element."""

    def __init__(self) -> None:
        self.duplicates = Metrics.counter("expedientes", "duplicates")

    def process(self, grouped):
        _event_id, elements = grouped
        elements = list(elements)
        if len(elements) > 1:
            self.duplicates.inc(len(elements) - 1)
        yield elements[0]


class DeduplicateEvents(beam.PTransform):
    """Valid events (``{"event": ..., "raw": ...}``) without repeated ``event_id``s.

    Streaming: the stateful :class:`DropRepeatedEventIdsFn` (ids remembered ``ttl_seconds``).
    Batch: a ``GroupByKey`` on ``event_id`` keeping the first element - exact over the whole
    input, and much faster than per-element state on the batch runner.
    """

    def __init__(self, ttl_seconds: int = 600, streaming: bool = True) -> None:
        super().__init__()
        self.ttl_seconds = ttl_seconds
        self.streaming = streaming

    def expand(self, valid):
        keyed = valid | "KeyByEventId" >> beam.Map(
            lambda v: (v["event"]["event_id"], v)
        ).with_output_types(tuple[str, dict])
        if self.streaming:
            return keyed | "DropRepeatedEventIds" >> beam.ParDo(
                DropRepeatedEventIdsFn(self.ttl_seconds)
            )
        return (
            keyed | "GroupByEventId" >> beam.GroupByKey() | "KeepFirst" >> beam.ParDo(KeepFirstFn())
        )
