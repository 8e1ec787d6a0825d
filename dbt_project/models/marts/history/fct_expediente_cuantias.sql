{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['ref', 'event_ts'],
        merge_exclude_columns=['ref', 'event_ts'],
        partition_by=partition_by_day('event_ts'),
        cluster_by=['ref'],
        on_schema_change='fail',
    )
}}

-- One row per case and instant at which an event carried a cuantia;
-- is_change marks the real changes (the first amount, or one that differs
-- from the previous amount in business time). A late event can turn a later
-- row into a repeat, so every run re-sequences the full amount history of
-- the cases it touches (known rows + new events) and merges back the rows
-- that changed: rows are never lost, only re-flagged. Real changes are the
-- rows with is_change.

with

new_events as (

    select * from {{ ref('stg_pubsub__expediente_events') }}
    where
        {{ new_events_filter() }}
        and cuantia is not null

),

{% if is_incremental() %}

    known as (

        select this.*
        from {{ this }} as this
        where this.ref in (select new_events.ref from new_events)

    ),

{% endif %}

amounts as (

    select
        ref,
        event_ts,
        cuantia,
        event_id,
        ingested_at
    from new_events

    {% if is_incremental() %}
        union all
        select
            ref,
            event_ts,
            cuantia,
            event_id,
            last_ingested_at as ingested_at
        from known
    {% endif %}

),

one_per_instant as (

    select
        *,
        row_number() over (
            partition by ref, event_ts
            order by event_id asc
        ) as rank_at_instant,
        max(ingested_at) over (partition by ref, event_ts) as last_ingested_at
    from amounts

),

sequenced as (

    select
        ref,
        event_ts,
        cuantia,
        event_id,
        last_ingested_at,
        lag(cuantia) over (
            partition by ref
            order by event_ts asc
        ) as previous_cuantia
    from one_per_instant
    where rank_at_instant = 1

),

final as (

    select
        ---------- ids
        ref,
        event_id,

        ---------- numerics
        cuantia,
        previous_cuantia,
        coalesce(cuantia != previous_cuantia, true) as is_change,

        ---------- timestamps
        event_ts,
        last_ingested_at

    from sequenced

)

{% if is_incremental() %}

    select final.*
    from final
    left join known
        on final.ref = known.ref and final.event_ts = known.event_ts
    where
        known.ref is null
        or {{ any_column_changed(
            ['event_id', 'cuantia', 'previous_cuantia', 'is_change',
             'last_ingested_at'],
            'final', 'known'
        ) }}

{% else %}

    select * from final

{% endif %}
