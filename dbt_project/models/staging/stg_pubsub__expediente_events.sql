-- Valid events as landed by the pipeline: renamed, cast with safe casts, and
-- deduplicated on event_id within each day of ingestion (Pub/Sub redelivers
-- within minutes; the facts absorb any later repeat). Deduplicating per day
-- keeps the day a partition key of the window, so a filter on ingest_date
-- prunes files (DuckDB) or partitions (BigQuery) through this view. On the
-- local target an empty landing folder reads as an empty, typed relation
-- (landing_relation).

with

source as (

    select *
    from
        {{ landing_relation(
            source('pubsub', 'expedientes_staging')
        ) }}

),

renamed as (

    select
        ---------- ids
        {{ dbt.safe_cast('event_id', dbt.type_string()) }} as event_id,
        {{ dbt.safe_cast('ref', dbt.type_string()) }} as ref,
        {{ dbt.safe_cast('message_id', dbt.type_string()) }} as message_id,

        ---------- case
        {{ dbt.safe_cast('procedimiento', dbt.type_string()) }}
            as procedimiento,
        {{ dbt.safe_cast('juzgado', dbt.type_string()) }} as juzgado,
        {{ dbt.safe_cast('estado', dbt.type_string()) }} as estado,

        ---------- numerics
        {{ dbt.safe_cast('cuantia', 'decimal(18, 2)') }} as cuantia,
        {{ dbt.safe_cast('schema_version', dbt.type_int()) }}
            as schema_version,

        ---------- timestamps
        {{ dbt.safe_cast('event_ts', dbt.type_timestamp()) }} as event_ts,
        {{ dbt.safe_cast('publish_time', dbt.type_timestamp()) }}
            as published_at,
        {{ dbt.safe_cast('ingested_at', dbt.type_timestamp()) }}
            as ingested_at,

        ---------- raw
        {{ dbt.safe_cast('payload', dbt.type_string()) }} as payload,

        ---------- partitions
        {{ ingest_date_column() }} as ingest_date

    from source

),

deduplicated as (

    select * from renamed
    where event_id is not null
    qualify
        row_number() over (
            partition by ingest_date, event_id
            order by ingested_at asc, message_id asc
        ) = 1

)

select * from deduplicated
