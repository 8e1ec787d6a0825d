"""`make bench`: every stage measured side by side with its baseline (see benchmarks/__main__)."""
