-- Pipeline health per day of ingestion: events landed, dead letters by
-- reason, and the ingestion lag (ingested_at - event_ts, in seconds)
-- percentiles. Replayed backfills show long lags by design: their business
-- times lie in the past.
with

events as (

    select
        cast(ingested_at as date) as dia,
        {{ dbt.datediff(
            'event_ts',
            'ingested_at',
            'second'
        ) }} as lag_seconds
    from {{ ref('stg_pubsub__expediente_events') }}

),

dead_letters as (

    select
        cast(failed_at as date) as dia,
        error_type
    from {{ ref('stg_pubsub__dead_letters') }}

),

landed as (

    select
        dia,
        'landed' as kind,
        cast(null as {{ dbt.type_string() }}) as error_type,
        count(*) as n_messages,
        {{ percentile('lag_seconds', 0.5) }} as lag_p50_seconds,
        {{ percentile('lag_seconds', 0.95) }} as lag_p95_seconds,
        max(lag_seconds) as lag_max_seconds
    from events
    group by dia

),

rejected as (

    select
        dia,
        'dead_letter' as kind,
        error_type,
        count(*) as n_messages,
        cast(null as {{ dbt.type_float() }}) as lag_p50_seconds,
        cast(null as {{ dbt.type_float() }}) as lag_p95_seconds,
        cast(null as {{ dbt.type_bigint() }}) as lag_max_seconds
    from dead_letters
    group by dia, error_type

),

final as (

    select * from landed
    union all
    select * from rejected

)

select * from final
