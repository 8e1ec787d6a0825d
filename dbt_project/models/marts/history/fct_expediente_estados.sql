{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['ref', 'estado'],
        merge_exclude_columns=['ref', 'estado'],
        partition_by=partition_by_day('entered_at'),
        cluster_by=['ref', 'estado'],
        on_schema_change='fail',
    )
}}

-- One row per case and state it reached, with the earliest event_ts among
-- the events that reported it (a state re-sent later keeps its first time).
-- Each run reads the staging rows ingested since the last run and merges them
-- with the rows already known for the same (ref, estado), so the result does
-- not depend on how the events were split across runs. Only new or changed
-- rows reach the merge.

with

new_events as (

    select * from {{ ref('stg_pubsub__expediente_events') }}
    where {{ new_events_filter() }}

),

{% if is_incremental() %}

    touched as (

        select distinct
            ref,
            estado
        from new_events

    ),

    known as (

        select
            this.ref,
            this.estado,
            this.procedimiento,
            this.juzgado,
            this.event_id,
            this.entered_at as event_ts,
            this.last_ingested_at as ingested_at,
            true as is_known
        from {{ this }} as this
        inner join touched
            on this.ref = touched.ref and this.estado = touched.estado

    ),

{% endif %}

candidates as (

    select
        ref,
        estado,
        procedimiento,
        juzgado,
        event_id,
        event_ts,
        ingested_at,
        false as is_known
    from new_events

    {% if is_incremental() %}
        union all
        select * from known
    {% endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by ref, estado
            order by event_ts asc, event_id asc, is_known desc
        ) as rank_in_state,
        max(ingested_at) over (partition by ref, estado) as last_ingested_at
    from candidates

),

states as (

    select * from {{ ref('procedure_states') }}

),

final as (

    select
        ---------- ids
        ranked.ref,
        ranked.estado,
        ranked.event_id,

        ---------- case
        ranked.procedimiento,
        ranked.juzgado,
        states.state_order,

        ---------- timestamps
        ranked.event_ts as entered_at,
        ranked.last_ingested_at

    from ranked
    left join states
        on
            ranked.procedimiento = states.procedimiento
            and ranked.estado = states.estado
    where
        ranked.rank_in_state = 1
        -- the known row still wins and no later event came: nothing to write
        and not (
            ranked.is_known and ranked.ingested_at = ranked.last_ingested_at
        )

)

select * from final
