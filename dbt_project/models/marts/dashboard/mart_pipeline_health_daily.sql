{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='dia',
        on_schema_change='fail',
    )
}}

-- Pipeline health per day of ingestion: events landed and the ingestion lag
-- (ingested_at - event_ts, in seconds) percentiles. Replayed backfills show
-- long lags by design: their business times lie in the past. Each run
-- recomputes whole days, from the day of its watermark on, so percentiles
-- stay exact and a run reads only the recent days of staging.

with

events as (

    select
        ingest_date as dia,
        ingested_at,
        {{ dbt.datediff('event_ts', 'ingested_at', 'second') }}
            as lag_seconds
    from {{ ref('stg_pubsub__expediente_events') }}
    where {{ new_events_filter(whole_days=true) }}

),

final as (

    select
        dia,

        ---------- numerics
        count(*) as n_landed,
        {{ percentile('lag_seconds', 0.5) }} as lag_p50_seconds,
        {{ percentile('lag_seconds', 0.95) }} as lag_p95_seconds,
        max(lag_seconds) as lag_max_seconds,

        ---------- timestamps
        max(ingested_at) as last_ingested_at

    from events
    group by dia

)

select * from final
