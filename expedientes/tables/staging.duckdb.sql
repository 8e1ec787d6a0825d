-- Generated from expedientes/event.schema.json by `python -m expedientes.tables`; do not edit.
create table if not exists expedientes_staging (
    event_id VARCHAR NOT NULL,
    ref VARCHAR NOT NULL,
    procedimiento VARCHAR NOT NULL,
    juzgado VARCHAR NOT NULL,
    estado VARCHAR NOT NULL,
    cuantia DECIMAL(18, 2),
    event_ts TIMESTAMP WITH TIME ZONE NOT NULL,
    schema_version BIGINT NOT NULL,
    message_id VARCHAR,
    publish_time TIMESTAMP WITH TIME ZONE,
    ingested_at TIMESTAMP WITH TIME ZONE NOT NULL,
    payload VARCHAR NOT NULL
);
