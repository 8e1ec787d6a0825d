-- Messages the pipeline rejected, renamed and cast. On the local target an
-- empty dead-letter landing folder reads as an empty, typed relation
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

)

select * from renamed
