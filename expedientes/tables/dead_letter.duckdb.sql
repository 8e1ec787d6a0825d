-- Generated from expedientes/event.schema.json by `python -m expedientes.tables`; do not edit.
create table if not exists expedientes_staging_error_records (
    failed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    error_type VARCHAR NOT NULL,
    error_message VARCHAR NOT NULL,
    stacktrace VARCHAR,
    payload_string VARCHAR,
    payload_bytes BLOB NOT NULL,
    attributes STRUCT(key VARCHAR, value VARCHAR)[],
    message_id VARCHAR,
    publish_time TIMESTAMP WITH TIME ZONE
);
