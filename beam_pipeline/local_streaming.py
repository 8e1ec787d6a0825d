"""The local streaming path as one step: Pub/Sub message -> validation -> dedup -> landing file.

Beam's BundleBasedDirectRunner does not fuse steps: for every bundle (its Pub/Sub reader hands
out 10 messages at a time) and every ``ParDo`` it round-trips the ``DoFn`` through pickle and
rebuilds its invoker. With the graph of :class:`~beam_pipeline.pipeline.IngestEvents` plus
:class:`~beam_pipeline.sinks.WriteLandingFiles` (six steps after the read) that overhead cost
about two thirds of the runner's own ceiling (docs/BENCHMARKS.md). Dataflow fuses those same
steps into one stage by itself, so only the local runner gets this hand-fused version: the
same functions (:func:`~beam_pipeline.validate.check`, :class:`~beam_pipeline.dedup.RecentIds`,
:func:`~beam_pipeline.validate.staging_row`, :func:`~beam_pipeline.sinks.land_file`) in one
``DoFn``, with the same counters and the same files.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import apache_beam as beam
from apache_beam.metrics import Metrics

from beam_pipeline.dedup import RecentIds
from beam_pipeline.sinks import DEAD_LETTER_DIR, STAGING_DIR, land_file
from beam_pipeline.validate import VALID, check, from_pubsub, staging_row, to_json_line


class IngestToLandingFn(beam.DoFn):
    """Input: Pub/Sub messages. Lands each bundle's staging rows and dead letters as one file
    each at the bundle's end (nothing is acknowledged later than that on this runner anyway:
    its reader acks on pull, see :mod:`expedientes.recovery`)."""

    def __init__(self, landing_dir: str, dedup_ttl_seconds: int) -> None:
        self.staging_dir = os.path.join(landing_dir, STAGING_DIR)
        self.dead_letter_dir = os.path.join(landing_dir, DEAD_LETTER_DIR)
        self.recent = RecentIds(uuid.uuid4().hex, dedup_ttl_seconds)

    def setup(self) -> None:
        counter = Metrics.counter
        self.counters = {
            name: counter("expedientes", name)
            for name in (
                "read",
                "valid",
                "invalid",
                "duplicates",
                "written",
                "written_files",
                "dead_lettered",
                "dead_lettered_files",
            )
        }

    def start_bundle(self) -> None:
        self.staged: list[str] = []
        self.dead: list[str] = []

    def process(self, message):
        raw = from_pubsub(message)
        self.counters["read"].inc()
        tag, row = check(raw)
        if tag != VALID:
            self.counters["invalid"].inc()
            Metrics.counter("expedientes", f"invalid_{row['error_type']}").inc()
            self.dead.append(to_json_line(row))
            return
        self.counters["valid"].inc()
        if not self.recent.first_time(row["event"]["event_id"]):
            self.counters["duplicates"].inc()
            return
        self.staged.append(to_json_line(staging_row(row)))

    def finish_bundle(self) -> None:
        for lines, directory, name in (
            (self.staged, self.staging_dir, "written"),
            (self.dead, self.dead_letter_dir, "dead_lettered"),
        ):
            if lines:
                land_file(Path(directory), lines)
                self.counters[name].inc(len(lines))
                self.counters[f"{name}_files"].inc()
        self.staged, self.dead = [], []


class IngestToLanding(beam.PTransform):
    """Pub/Sub messages -> landing files, in one step (the DirectRunner's streaming path)."""

    def __init__(self, landing_dir: str, dedup_ttl_seconds: int = 600) -> None:
        super().__init__()
        self.landing_dir = landing_dir
        self.dedup_ttl_seconds = dedup_ttl_seconds

    def expand(self, messages):
        return messages | "IngestAndLand" >> beam.ParDo(
            IngestToLandingFn(self.landing_dir, self.dedup_ttl_seconds)
        )
