"""Export the state machine and the contract's error types as dbt seeds.

The CSV files in ``dbt_project/seeds/`` are derived artifacts: dbt's transition and
accepted-values tests read them, and a test fails when they drift from ``procedures.yaml`` or
:data:`expedientes.contract.ERROR_TYPES`.

    python -m expedientes.seeds            # (re)write the seeds
    python -m expedientes.seeds --check    # exit 1 and list the stale files
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from expedientes import contract, procedures

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"


def tables() -> dict[str, tuple[list[str], list[list[object]]]]:
    """Seed file name -> (header, rows), built from the definitions."""
    definition = procedures.definition()
    states: list[list[object]] = []
    transitions: list[list[object]] = []
    for proc in definition.procedures.values():
        states.extend(
            [proc.name, s.name, s.label, s.order, s.kind, s.is_terminal] for s in proc.states
        )
        transitions.extend(
            [proc.name, t.source, t.target, t.probability, t.median_days, t.p90_days, t.note]
            for t in proc.transitions
        )
    reachable: list[list[object]] = [
        [proc.name, source, target, steps]
        for proc in definition.procedures.values()
        for (source, target), steps in sorted(
            proc.reachable().items(),
            key=lambda kv: (proc.state(kv[0][0]).order, proc.state(kv[0][1]).order),
        )
    ]
    thresholds: list[list[object]] = []
    for i, threshold in enumerate(definition.thresholds):
        following = definition.thresholds[i + 1] if i + 1 < len(definition.thresholds) else None
        thresholds.append(
            [
                threshold.valid_from.isoformat() if threshold.valid_from else "",
                following.valid_from.isoformat() if following and following.valid_from else "",
                f"{threshold.verbal_max_eur:.2f}",
                threshold.source,
            ]
        )
    return {
        "procedure_states.csv": (
            ["procedimiento", "estado", "label", "state_order", "kind", "is_terminal"],
            states,
        ),
        "procedure_transitions.csv": (
            [
                "procedimiento",
                "from_estado",
                "to_estado",
                "probability",
                "median_days",
                "p90_days",
                "note",
            ],
            transitions,
        ),
        "procedure_reachability.csv": (
            ["procedimiento", "from_estado", "to_estado", "min_steps"],
            reachable,
        ),
        "cuantia_thresholds.csv": (
            ["valid_from", "valid_to", "verbal_max_eur", "source"],
            thresholds,
        ),
        "contract_error_types.csv": (
            ["error_type", "description"],
            [[code, text] for code, text in contract.ERROR_TYPES.items()],
        ),
    }


def render(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(
        ["true" if v is True else "false" if v is False else v for v in row] for row in rows
    )
    return buffer.getvalue()


def stale(directory: Path = DEFAULT_DIR) -> list[str]:
    """Seed files that are missing or differ from what the definitions export."""
    out = []
    for name, (header, rows) in tables().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != render(header, rows):
            out.append(name)
    return out


def write(directory: Path = DEFAULT_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (header, rows) in tables().items():
        path = directory / name
        path.write_text(render(header, rows), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m expedientes.seeds", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help="seed folder (default: %(default)s)"
    )
    parser.add_argument(
        "--check", action="store_true", help="only check; exit 1 when a seed is stale"
    )
    args = parser.parse_args(argv)
    if args.check:
        out_of_date = stale(args.dir)
        for name in out_of_date:
            print(
                f"stale seed: {args.dir / name} (run: python -m expedientes.seeds)", file=sys.stderr
            )
        return 1 if out_of_date else 0
    for path in write(args.dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
