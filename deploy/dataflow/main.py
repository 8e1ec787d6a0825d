"""Flex Template entry point: the launcher runs this file with the template's parameters.

It builds the same pipeline as ``python -m beam_pipeline`` and submits it; with the
DataflowRunner ``main`` returns once the job is submitted (the launcher must not wait for a
streaming job to end).
"""

import logging
import sys

from beam_pipeline.pipeline import main

if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    sys.exit(main())
