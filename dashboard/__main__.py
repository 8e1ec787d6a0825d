"""``python -m dashboard [--port 8501] [--target local|bigquery]``: the dashboard on 127.0.0.1.

Starts Streamlit on ``dashboard/app.py`` bound to 127.0.0.1 only, headless, with usage
statistics off and no file watcher; nothing is fetched from the internet (Streamlit serves its
own bundled assets). ``--target bigquery`` reads the BigQuery marts with Application Default
Credentials (``EXPEDIENTES_GCP_PROJECT``, ``EXPEDIENTES_BQ_DATASET``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from expedientes import cli_args, settings

APP = Path(__file__).resolve().with_name("app.py")

#: Streamlit's settings as environment variables (they apply to `streamlit run` and to tests).
STREAMLIT_ENV = {
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "STREAMLIT_SERVER_HEADLESS": "true",
    "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    "STREAMLIT_GLOBAL_DEVELOPMENT_MODE": "false",
    "STREAMLIT_CLIENT_TOOLBAR_MODE": "viewer",
}


def command(port: int, address: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.headless",
        "true",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard", description="The expedientes dashboard on 127.0.0.1."
    )
    parser.add_argument("--port", type=cli_args.port, default=8501, help="(default: %(default)s)")
    parser.add_argument(
        "--target",
        choices=("local", "bigquery"),
        default="local",
        help="the warehouse to read (default: %(default)s: $EXPEDIENTES_DATA_DIR/warehouse.duckdb)",
    )
    args = parser.parse_args(argv)
    env = {
        **os.environ,
        **STREAMLIT_ENV,
        "EXPEDIENTES_DASHBOARD_TARGET": args.target,
        settings.DATA_DIR_ENV: str(settings.data_dir()),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(APP.parents[1]), os.environ.get("PYTHONPATH")) if p
        ),
    }
    print(f"dashboard on http://127.0.0.1:{args.port} (Ctrl-C stops)", flush=True)
    try:
        os.execve(sys.executable, command(args.port), env)
    except OSError as exc:
        print(f"error: cannot start Streamlit: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
