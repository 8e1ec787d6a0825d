"""The case-event generator: legally coherent synthetic expedientes, backfilled as the initial
dataset and streamed to Pub/Sub as next events.

Not yet available: it lands with issue #3 (Generator). It will read the procedures from
:mod:`expedientes.procedures` and emit events that pass :mod:`expedientes.contract`.
"""
