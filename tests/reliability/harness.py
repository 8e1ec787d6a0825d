"""The fault suite's machinery: the real streaming pipeline on the emulator, publishing,
waiting for the landing, and the reconciliation every scenario ends with.

Reconciliation (:func:`reconcile`): every distinct valid ``event_id`` published is staged and
its state is in the master's history; every invalid message is a dead letter with the expected
reason; ``dbt build`` passes with all its tests; and the master, the history facts and their
histories equal those of a clean build over the same valid events (landed directly, one build).

Sizes: ``RELIABILITY_SCALE=small`` (default, part of ``make test``) or ``full``
(``make reliability``). With ``RELIABILITY_RESULTS=FILE`` every scenario appends its figures to
FILE as a JSON line; ``python -m tests.reliability.report FILE`` renders docs/RELIABILITY.md.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from expedientes import pubsub_admin, tables, warehouse
from expedientes.live import start_pipeline
from expedientes.processes import Child, Children
from generator import commands
from generator.faults import Message, message_for
from generator.publisher import PubSubSink
from tests.dbt_runner import CUANTIAS, ESTADOS, MASTER, dbt, query
from tests.landing import land

SCALE = os.environ.get("RELIABILITY_SCALE", "small")
CASES = {"small": 60, "full": 1000}[SCALE]
AS_OF = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)

#: Valid, but hostile to anything that would paste values into SQL or mangle text: these
#: court names must reach the master verbatim.
HOSTILE_JUZGADOS = (
    "Juzgado nº 1 de O'Donnell'); drop table expedientes; --",
    'Juzgado "Tribunal" de Instancia de A Coruña 🏛, plaza nº 2 -- /* */ \\ %',
)


def base_events(seed: int = 7) -> list[dict]:
    """The valid events every scenario starts from: a backfill of ``CASES`` cases, two of
    them filed in courts with hostile names."""
    events = list(commands.backfill_events(CASES, seed=seed, as_of=AS_OF))
    refs = sorted({e["ref"] for e in events})[: len(HOSTILE_JUZGADOS)]
    renamed = dict(zip(refs, HOSTILE_JUZGADOS, strict=True))
    return [{**e, "juzgado": renamed.get(e["ref"], e["juzgado"])} for e in events]


def valid_events_of(messages: Iterable[Message]) -> list[dict]:
    """The distinct valid events among ``messages`` (first copy of each ``event_id``)."""
    seen: dict[str, dict] = {}
    for message in messages:
        if message.kind == "malformed":
            continue
        event = json.loads(message.data)
        seen.setdefault(event["event_id"], event)
    return list(seen.values())


@dataclass
class Outcome:
    """One scenario's figures, as the report shows them."""

    scenario: str
    faults: str
    published: int = 0
    valid_events: int = 0
    staged: int = 0
    lost: int = 0
    duplicated: int = 0
    dead_lettered: int = 0
    expected_dead_letters: int = 0
    dead_letter_reasons_right: bool = False
    master_equals_clean: bool = False
    dbt_passed: bool = False
    notes: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.dead_lettered == self.expected_dead_letters
            and self.dead_letter_reasons_right
            and self.master_equals_clean
            and self.dbt_passed
        )

    def record(self) -> None:
        target = os.environ.get("RELIABILITY_RESULTS")
        if target:
            line = {**asdict(self), "ok": self.ok, "scale": SCALE}
            with open(target, "a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")


@dataclass
class Endpoint:
    """What :func:`expedientes.live.start_pipeline` needs of a broker: the resources and the
    environment pointing at the emulator."""

    resources: pubsub_admin.Resources

    @property
    def env(self) -> dict[str, str]:
        return {
            "PUBSUB_EMULATOR_HOST": os.environ["PUBSUB_EMULATOR_HOST"],
            "PUBSUB_PROJECT_ID": self.resources.project,
        }


class StreamingPipeline:
    """The real streaming pipeline (``python -m beam_pipeline`` on the DirectRunner) as
    ``make stream`` starts it, landing under ``$EXPEDIENTES_DATA_DIR/landing``."""

    def __init__(self, resources: pubsub_admin.Resources, logs: Path) -> None:
        self.endpoint = Endpoint(resources)
        self.logs = logs
        self.children = Children()
        self.child: Child | None = None
        self.starts = 0

    def __enter__(self) -> StreamingPipeline:
        self.children.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.children.__exit__(*exc)

    def start(self, recover: bool = True) -> Child:
        self.starts += 1
        log = self.logs / f"pipeline-{self.starts}.log"
        self.child = start_pipeline(self.children, self.endpoint, log, recover=recover)
        return self.child

    def kill(self) -> None:
        """SIGKILL the pipeline's whole process group: no cleanup, no flush."""
        assert self.child is not None
        os.killpg(self.child.pid, signal.SIGKILL)
        self.child.proc.wait()

    def stop(self) -> None:
        assert self.child is not None
        self.child.stop(timeout=10)


def publish(resources: pubsub_admin.Resources, messages: Iterable[Message]) -> int:
    """Publish every message and wait for Pub/Sub to confirm each; returns how many."""
    sink = PubSubSink(resources.topic_path)
    for message in messages:
        sink.send(message)
    confirmed, failed, errors = sink.close()
    assert failed == 0, errors
    return confirmed


def messages_for(events: Iterable[dict]) -> list[Message]:
    return [message_for(e) for e in events]


def _read(folder: Path, table: str, columns: str) -> list[tuple]:
    if not warehouse.has_landed_files(folder):
        return []
    with duckdb.connect() as con:
        return con.execute(
            f"select {columns} from {warehouse.landing_scan(folder, table)}"
        ).fetchall()


def staged_ids(data_dir: Path) -> list[str]:
    """Every staged ``event_id``, repeats included."""
    rows = _read(data_dir / "landing" / "staging", tables.STAGING, "event_id")
    return [r[0] for r in rows]


def dead_letters(data_dir: Path) -> dict[str, tuple[str, dict]]:
    """Distinct dead letters by Pub/Sub message id: ``{message_id: (error_type, attributes)}``."""
    rows = _read(
        data_dir / "landing" / "dead_letter",
        tables.DEAD_LETTER,
        "message_id, error_type, attributes",
    )
    return {r[0]: (r[1], {a["key"]: a["value"] for a in r[2] or []}) for r in rows}


def wait_for_landing(
    data_dir: Path,
    event_ids: set[str],
    n_dead_letters: int,
    pipeline: Child | None = None,
    timeout: float = 180.0,
    settle: float = 1.5,
) -> None:
    """Wait until every id in ``event_ids`` is staged and ``n_dead_letters`` distinct dead
    letters landed, then ``settle`` seconds more (a stray repeat would land then)."""
    deadline = time.monotonic() + timeout
    while True:
        missing = event_ids - set(staged_ids(data_dir))
        dead = len(dead_letters(data_dir))
        if not missing and dead >= n_dead_letters:
            time.sleep(settle)
            return
        if pipeline is not None and not pipeline.running():
            raise AssertionError(
                f"the pipeline exited ({pipeline.proc.returncode}): {pipeline.log}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(
                f"after {timeout:.0f} s {len(missing)} of {len(event_ids)} events and "
                f"{n_dead_letters - dead} of {n_dead_letters} dead letters are missing"
            )
        time.sleep(0.3)


def build(data_dir: Path, *args: str) -> tuple[bool, str]:
    code, out = dbt("build", *args, data_dir=data_dir, overlap_minutes=0)
    return code == 0, out


class CleanBuilds:
    """Clean reference warehouses: the valid events landed directly and built once, cached by
    the set of events (several scenarios share one)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._built: dict[frozenset[str], Path] = {}

    def __call__(self, events: list[dict]) -> Path:
        key = frozenset(e["event_id"] for e in events)
        if key not in self._built:
            target = self.root / f"clean-{len(self._built)}"
            land(events, target / "landing" / "staging")
            ok, out = build(target)
            assert ok, out
            self._built[key] = target
        return self._built[key]


def duplicated_rows(data_dir: Path) -> int:
    """States or amounts kept twice: repeated (ref, estado) in the states history, equal
    consecutive amounts in the amounts history, repeated states in the master's arrays."""
    (estados,) = query(
        data_dir,
        "select count(*) - count(distinct (ref, estado)) from main.fct_expediente_estados",
    )[0]
    (cuantias,) = query(
        data_dir,
        """
        select count(*) from (
            select cuantia, lag(cuantia) over (partition by ref order by event_ts) as previous
            from main.fct_expediente_cuantias where is_change
        ) where cuantia = previous
        """,
    )[0]
    (master,) = query(
        data_dir,
        "select coalesce(sum(len(historial_estados) - len(list_distinct("
        "list_transform(historial_estados, lambda s: s.estado)))), 0) from main.expedientes",
    )[0]
    return int(estados + cuantias + master)


def not_in_history(data_dir: Path, events: list[dict]) -> int:
    """Valid events whose (ref, estado) is missing from the master's history of states."""
    rows = query(
        data_dir,
        "select ref, unnest(list_transform(historial_estados, lambda s: s.estado)) "
        "from main.expedientes",
    )
    present = set(rows)
    return sum((e["ref"], e["estado"]) not in present for e in events)


def reconcile(
    outcome: Outcome,
    data_dir: Path,
    valid: list[dict],
    expected_dead: Counter,
    clean: Path,
    build_first: bool = True,
) -> Outcome:
    """Fill ``outcome`` with the reconciliation of ``data_dir`` against ``clean``."""
    if build_first:
        outcome.dbt_passed, out = build(data_dir)
        assert outcome.dbt_passed, out
    else:
        outcome.dbt_passed = True
    staged = staged_ids(data_dir)
    valid_ids = {e["event_id"] for e in valid}
    outcome.valid_events = len(valid_ids)
    outcome.staged = len(set(staged) & valid_ids)
    outcome.lost = len(valid_ids - set(staged)) + not_in_history(data_dir, valid)
    outcome.duplicated = duplicated_rows(data_dir)
    dead = Counter(error_type for error_type, _ in dead_letters(data_dir).values())
    outcome.dead_lettered = sum(dead.values())
    outcome.expected_dead_letters = sum(expected_dead.values())
    outcome.notes.setdefault("dead_letters_by_type", dict(sorted(dead.items())))
    outcome.dead_letter_reasons_right = dead == expected_dead
    outcome.master_equals_clean = all(
        query(data_dir, sql) == query(clean, sql) for sql in (MASTER, ESTADOS, CUANTIAS)
    )
    outcome.record()
    return outcome


def shuffled(items: list, seed: int) -> list:
    copy = list(items)
    random.Random(seed).shuffle(copy)
    return copy


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
