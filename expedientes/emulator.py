"""Start, stop and inspect the official Pub/Sub emulator on 127.0.0.1.

The emulator ships with the gcloud CLI (component ``pubsub-emulator``, or the Debian/RPM package
``google-cloud-cli-pubsub-emulator``) and needs Java. We run its launcher directly,
``<sdk root>/platform/pubsub-emulator/bin/cloud-pubsub-emulator --host=127.0.0.1 --port=PORT``,
in a process group of its own (the launcher execs a JVM), and record what we started in a
state file under ``$EXPEDIENTES_DATA_DIR/emulator/`` so that ``stop`` stops exactly that and
nothing else.

    python -m expedientes.emulator start [--port 8085]   # no-op when already running
    python -m expedientes.emulator status                # exit 0 running, 3 stopped
    python -m expedientes.emulator stop
    eval "$(python -m expedientes.emulator env)"          # export PUBSUB_EMULATOR_HOST

The Makefile's ``emulator-*`` targets and the tests' ``pubsub_emulator`` fixture use this module.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from expedientes import settings

HOST = "127.0.0.1"
LAUNCHER_ENV = "PUBSUB_EMULATOR_LAUNCHER"
INSTALL_HINT = (
    "The Pub/Sub emulator is not installed. Install the gcloud CLI "
    "(https://cloud.google.com/sdk/docs/install) and then the emulator: "
    "`gcloud components install pubsub-emulator` (or the package "
    "`google-cloud-cli-pubsub-emulator` with apt/dnf); it needs Java 17+. "
    f"Or point {LAUNCHER_ENV} at a cloud-pubsub-emulator launcher."
)


class EmulatorError(RuntimeError):
    """The emulator cannot be started or stopped; the message says why and what to do."""


class EmulatorNotInstalled(EmulatorError):
    pass


@dataclass(frozen=True)
class EmulatorState:
    """What ``start`` launched: enough for ``stop`` to find exactly that process group."""

    pid: int
    host: str
    port: int
    launcher: str
    log: str
    started_at: float

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def find_launcher() -> Path:
    """The emulator's launcher script, or :class:`EmulatorNotInstalled` with what to install."""
    override = os.environ.get(LAUNCHER_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise EmulatorNotInstalled(f"{LAUNCHER_ENV}={override} is not a file. {INSTALL_HINT}")
        return path
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise EmulatorNotInstalled(f"gcloud is not on PATH. {INSTALL_HINT}")
    try:
        sdk_root = subprocess.run(
            [gcloud, "info", "--format=value(installation.sdk_root)"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError) as exc:
        raise EmulatorNotInstalled(f"`gcloud info` failed ({exc}). {INSTALL_HINT}") from exc
    path = Path(sdk_root) / "platform" / "pubsub-emulator" / "bin" / "cloud-pubsub-emulator"
    if not path.is_file():
        raise EmulatorNotInstalled(f"{path} does not exist. {INSTALL_HINT}")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise EmulatorNotInstalled("java is not on PATH: the emulator needs Java 17 or newer.")
    return path


def is_installed() -> bool:
    try:
        find_launcher()
    except EmulatorNotInstalled:
        return False
    return True


def state_dir() -> Path:
    return settings.data_dir() / "emulator"


def _state_file(directory: Path) -> Path:
    return directory / "emulator.json"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when an emulator answers ``GET /`` with ``Ok`` on host:port."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/", timeout=timeout) as response:
            return response.status == 200 and response.read().strip() == b"Ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _port_taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def read_state(directory: Path | None = None) -> EmulatorState | None:
    path = _state_file(directory or state_dir())
    if not path.exists():
        return None
    try:
        return EmulatorState(**json.loads(path.read_text()))
    except (ValueError, TypeError):
        return None


def _is_ours(state: EmulatorState) -> bool:
    """The recorded pid is alive and still the emulator we launched (pids get reused)."""
    try:
        proc = psutil.Process(state.pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        cmdline = " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return "pubsub-emulator" in cmdline or "pubsub_emulator" in cmdline or state.launcher in cmdline


def status(directory: Path | None = None) -> tuple[str, EmulatorState | None]:
    """``('running', state)``, ``('starting', state)`` or ``('stopped', None)``.

    A state file whose process is gone is stale: it is removed and the answer is ``stopped``.
    """
    directory = directory or state_dir()
    state = read_state(directory)
    if state is None:
        return "stopped", None
    if not _is_ours(state):
        _state_file(directory).unlink(missing_ok=True)
        return "stopped", None
    return ("running" if answers(state.host, state.port) else "starting"), state


def start(
    port: int = settings.DEFAULT_EMULATOR_PORT,
    directory: Path | None = None,
    timeout: float = 60.0,
    java_heap: str = "512m",
) -> tuple[EmulatorState, bool]:
    """Start the emulator in the background and wait until it answers.

    Returns ``(state, started)``; ``started`` is False when one recorded in ``directory`` was
    already running (then ``port`` is ignored).
    """
    directory = directory or state_dir()
    _current, state = status(directory)
    if state is not None:
        _wait_until_answers(state, timeout)
        return state, False
    if _port_taken(HOST, port):
        raise EmulatorError(
            f"port {port} on {HOST} is already in use by a process this project did not start; "
            "stop it or choose another port (PUBSUB_EMULATOR_PORT=...)."
        )
    launcher = find_launcher()
    directory.mkdir(parents=True, exist_ok=True)
    log_path = directory / "emulator.log"
    env = dict(os.environ)
    env["JAVA_OPTS"] = f"{env.get('JAVA_OPTS', '')} -Xmx{java_heap}".strip()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [str(launcher), f"--host={HOST}", f"--port={port}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group: stop() signals the JVM too
        )
    state = EmulatorState(
        pid=proc.pid,
        host=HOST,
        port=port,
        launcher=str(launcher),
        log=str(log_path),
        started_at=time.time(),
    )
    _state_file(directory).write_text(json.dumps(asdict(state)))
    try:
        _wait_until_answers(state, timeout, proc)
    except EmulatorError:
        stop(directory)
        raise
    return state, True


def _wait_until_answers(
    state: EmulatorState, timeout: float, proc: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(state.host, state.port, timeout=0.5):
            return
        if proc is not None and proc.poll() is not None:
            raise EmulatorError(
                f"the emulator exited with code {proc.returncode} before answering; "
                f"last lines of {state.log}:\n{_tail(state.log)}"
            )
        time.sleep(0.1)
    raise EmulatorError(
        f"the emulator did not answer on {state.address} within {timeout:.0f} s; see {state.log}"
    )


def stop(directory: Path | None = None, timeout: float = 10.0) -> EmulatorState | None:
    """Stop the emulator recorded in ``directory`` (its whole process group).

    Returns what was stopped, or None when nothing recorded there was running.
    """
    directory = directory or state_dir()
    state = read_state(directory)
    path = _state_file(directory)
    if state is None or not _is_ours(state):
        path.unlink(missing_ok=True)
        return None
    try:
        pgid = os.getpgid(state.pid)
    except ProcessLookupError:
        path.unlink(missing_ok=True)
        return None
    members = [p for p in psutil.process_iter(["pid"]) if _pgid(p.pid) == pgid]
    os.killpg(pgid, signal.SIGTERM)
    _gone, alive = psutil.wait_procs(members, timeout=timeout)
    if alive:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        psutil.wait_procs(alive, timeout=timeout)
    with contextlib.suppress(ChildProcessError):  # reap it when we are its parent (tests are)
        os.waitpid(state.pid, os.WNOHANG)
    path.unlink(missing_ok=True)
    return state


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except (ProcessLookupError, PermissionError):
        return None


def _tail(path: str, lines: int = 15) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m expedientes.emulator",
        description="Manage the local Pub/Sub emulator (state in $EXPEDIENTES_DATA_DIR/emulator).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    start_cmd = commands.add_parser(
        "start", help="start in the background and wait until it answers"
    )
    start_cmd.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PUBSUB_EMULATOR_PORT", settings.DEFAULT_EMULATOR_PORT)),
        help="TCP port on 127.0.0.1 (default: $PUBSUB_EMULATOR_PORT or %(default)s)",
    )
    start_cmd.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait (default: %(default)s)"
    )
    commands.add_parser("stop", help="stop the emulator this project started")
    commands.add_parser("status", help="exit 0 when running, 3 when not")
    commands.add_parser("env", help="print the export line for PUBSUB_EMULATOR_HOST")
    args = parser.parse_args(argv)

    try:
        if args.command == "start":
            if not 1 <= args.port <= 65535:
                parser.error(f"--port must be between 1 and 65535, got {args.port}")
            state, started = start(port=args.port, timeout=args.timeout)
            verb = "started" if started else "already running"
            print(f"Pub/Sub emulator {verb} on {state.address} (pid {state.pid}, log {state.log})")
            print(f"export PUBSUB_EMULATOR_HOST={state.address}")
            return 0
        if args.command == "stop":
            state = stop()
            print(
                f"Pub/Sub emulator stopped (pid {state.pid})"
                if state
                else "Pub/Sub emulator was not running"
            )
            return 0
        current, state = status()
        if args.command == "env":
            if state is None:
                print("the emulator is not running: make emulator-start", file=sys.stderr)
                return 3
            print(f"export PUBSUB_EMULATOR_HOST={state.address}")
            return 0
        if state is None:
            print("Pub/Sub emulator: stopped")
            return 3
        print(f"Pub/Sub emulator: {current} on {state.address} (pid {state.pid}, log {state.log})")
        return 0 if current == "running" else 3
    except EmulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
