"""``python -m beam_pipeline`` - see :mod:`beam_pipeline.pipeline`."""

import sys

from beam_pipeline.pipeline import main

if __name__ == "__main__":
    sys.exit(main())
