"""argparse types shared by the project's command lines: a bad value is a one-line usage
error naming what was expected, never a traceback."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def positive(convert: Callable[[str], float], what: str) -> Callable[[str], float]:
    """A type converting with ``convert`` and requiring a value greater than 0 (not NaN)."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not value > 0:  # also false for NaN
            raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
        return value

    return parse


def share(text: str) -> float:
    """A share between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        expected = f"expected a share between 0 and 1, got {text!r}"
        raise argparse.ArgumentTypeError(expected) from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def port(text: str) -> int:
    """A TCP port number."""
    value = positive(int, "a port number")(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be at most 65535, got {text}")
    return value
