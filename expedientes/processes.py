"""Child processes that the local orchestration starts and must always stop.

``make demo`` and ``make stream`` run the streaming pipeline, the generator and dbt as
subprocesses. Each child starts in a process group of its own (the pipeline starts worker
threads and dbt may start more processes), its output goes to a log file under the data dir,
and :class:`Children` stops every group it started - on success, on failure and on Ctrl-C -
first with SIGTERM, then SIGKILL. Nothing outlives the command.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path


class ChildFailed(RuntimeError):
    """A child exited with an error; the message names it, its exit code and its log."""


class Child:
    """One subprocess in its own process group, logging to ``log`` (None: to this terminal)."""

    def __init__(
        self, name: str, args: Sequence[str], log: Path | None, env: dict | None = None
    ) -> None:
        self.name = name
        self.args = list(args)
        self.log = log
        handle = None
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            handle = open(log, "ab")  # noqa: SIM115 - the child holds it; closed below
        try:
            self.proc = subprocess.Popen(
                self.args,
                stdout=handle,
                stderr=subprocess.STDOUT if handle else None,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                start_new_session=True,
            )
        finally:
            if handle:
                handle.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the exit code; :class:`ChildFailed` when it is not 0."""
        code = self.proc.wait(timeout=timeout)
        if code != 0:
            where = f"; its output: {self.log}\n{self.tail()}" if self.log else ""
            raise ChildFailed(f"{self.name} exited with code {code}{where}")
        return code

    def tail(self, lines: int = 15) -> str:
        if self.log is None:
            return ""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join("    " + line for line in text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the whole group, SIGKILL after ``timeout``; a no-op once it exited.
        (The streaming pipeline lands whole files only, so killing it loses nothing landed.)"""
        if self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
        # the leader may be gone while members of its group still run
        _signal_group(self.proc.pid, signal.SIGKILL)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


class Children:
    """Starts children and stops every one of them when the ``with`` block ends."""

    def __init__(self) -> None:
        self._children: list[Child] = []

    def start(
        self, name: str, args: Sequence[str], log: Path | None, env: dict | None = None
    ) -> Child:
        child = Child(name, args, log, env)
        self._children.append(child)
        return child

    def run(
        self,
        name: str,
        args: Sequence[str],
        log: Path,
        env: dict | None = None,
        timeout: float | None = None,
    ) -> Child:
        """Start a child and wait for it to succeed (:class:`ChildFailed` otherwise)."""
        child = self.start(name, args, log, env)
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.stop()
            raise ChildFailed(f"{name} did not finish within {timeout:.0f} s; see {log}") from None
        return child

    def stop_all(self) -> None:
        for child in reversed(self._children):
            child.stop()

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt inside the block, so that ``finally`` clauses (and
    :class:`Children`) run when the command is terminated, not only on Ctrl-C."""

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def python(module: str, *args: str) -> list[str]:
    """The command line running ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]


def wait_for(predicate, timeout: float, interval: float = 0.5, what: str = "condition") -> None:
    """Poll ``predicate`` until it is true; TimeoutError naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
