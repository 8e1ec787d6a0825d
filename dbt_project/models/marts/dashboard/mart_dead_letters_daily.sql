{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['dia', 'error_type'],
        on_schema_change='fail',
    )
}}

-- Dead letters per day of rejection and reason. Each run recomputes whole
-- days, from the day of its watermark on.

with

dead_letters as (

    select
        ingest_date as dia,
        coalesce(error_type, 'unknown') as error_type,
        failed_at
    from {{ ref('stg_pubsub__dead_letters') }}
    where
        {{ new_events_filter(
            watermark_column='last_failed_at', whole_days=true
        ) }}

),

final as (

    select
        dia,
        error_type,

        ---------- numerics
        count(*) as n_dead_letters,

        ---------- timestamps
        max(failed_at) as last_failed_at

    from dead_letters
    group by dia, error_type

)

select * from final
