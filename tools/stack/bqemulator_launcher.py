"""Starts bqemulator on a machine that cannot download DuckDB extensions.

bqemulator fetches DuckDB's `spatial` and `avro` extensions from the network at
start-up. The platform's machines reach only package registries, so:
- spatial (GEOGRAPHY) becomes optional: the platform's tables use no GEOGRAPHY;
- Avro load jobs use bqemulator's own fastavro reader, which it already uses
  for decimal Avro, instead of DuckDB's read_avro.
Everything else is the unmodified emulator.
"""
import logging
import sys

from bqemulator.jobs import executor
from bqemulator.storage import engine

log = logging.getLogger("mine.bqemulator_launcher")


def _load_spatial_optional(self):
    try:
        _original_load_spatial(self)
    except Exception as exc:  # noqa: BLE001 - any failure means "no GEOGRAPHY"
        log.warning("DuckDB spatial extension unavailable; GEOGRAPHY disabled: %s", exc)


def _load_avro_with_fastavro(path, target_ref, ctx):
    executor._insert_via_arrow_view(
        arrow_table=executor.read_avro_to_arrow(path),
        view_name="_bqemu_avro_load",
        target_ref=target_ref,
        ctx=ctx,
    )


_original_load_spatial = engine.DuckDBEngine._load_spatial
engine.DuckDBEngine._load_spatial = _load_spatial_optional
executor._load_avro = _load_avro_with_fastavro
executor._LOAD_FORMAT_HANDLERS["AVRO"] = _load_avro_with_fastavro

if __name__ == "__main__":
    from bqemulator.cli import main

    sys.exit(main())
