"""Rewrite (or with ``--check``, verify) the schema files derived from the contract."""

from __future__ import annotations

import argparse
import sys

from expedientes.tables import rendered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m expedientes.tables",
        description="Render the staging and dead-letter table schemas from the event contract.",
    )
    parser.add_argument(
        "--check", action="store_true", help="only check; exit 1 when a file is stale"
    )
    args = parser.parse_args(argv)
    stale = [
        path
        for path, text in rendered().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for path in stale:
            print(f"stale schema file: {path} (run: python -m expedientes.tables)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in rendered().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
