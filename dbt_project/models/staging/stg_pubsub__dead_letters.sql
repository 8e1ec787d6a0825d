-- Messages the pipeline rejected, renamed and cast, one row per Pub/Sub
-- message and day of ingestion: a message delivered again (at-least-once, or
-- the replay from a checkpoint after a crash) counts once. Rows replayed from
-- files have no message_id and are all kept. On the local target an empty
-- dead-letter landing folder reads as an empty, typed relation
-- (landing_relation).

with

source as (

    select *
    from
        {{ landing_relation(
            source('pubsub', 'expedientes_staging_error_records')
        ) }}

),

renamed as (

    select
        ---------- ids
        {{ dbt.safe_cast('message_id', dbt.type_string()) }} as message_id,

        ---------- error
        {{ dbt.safe_cast('error_type', dbt.type_string()) }} as error_type,
        {{ dbt.safe_cast('error_message', dbt.type_string()) }}
            as error_message,
        {{ dbt.safe_cast('stacktrace', dbt.type_string()) }} as stacktrace,

        ---------- payload
        {{ dbt.safe_cast('payload_string', dbt.type_string()) }}
            as payload_string,

        ---------- timestamps
        {{ dbt.safe_cast('failed_at', dbt.type_timestamp()) }} as failed_at,
        {{ dbt.safe_cast('publish_time', dbt.type_timestamp()) }}
            as published_at,

        ---------- partitions
        {{ ingest_date_column('failed_at') }} as ingest_date

    from source

),

deduplicated as (

    select * from renamed
    qualify
        message_id is null
        or row_number() over (
            partition by ingest_date, message_id
            order by failed_at asc
        ) = 1

)

select * from deduplicated
