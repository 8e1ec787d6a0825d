"""``python -m beam_pipeline`` - not yet available (issue #4)."""

import sys

if __name__ == "__main__":
    print(
        "beam_pipeline: not yet available; it lands with issue #4 (Beam pipeline).", file=sys.stderr
    )
    sys.exit(2)
