"""``python -m generator`` - not yet available (issue #3)."""

import sys

if __name__ == "__main__":
    print("generator: not yet available; it lands with issue #3 (Generator).", file=sys.stderr)
    sys.exit(2)
