{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='ref',
        merge_exclude_columns=['ref'],
        cluster_by=['ref'],
        on_schema_change='fail',
    )
}}

-- The master table: one row per case with its current state and amount and
-- its ordered histories. Each run recomputes only the cases with staging rows
-- ingested since the last run, from the history facts (which hold each case's
-- complete history), and merges those that changed: new cases are inserted,
-- changed cases updated, the rest left alone.

with

touched as (

    select distinct ref
    from {{ ref('stg_pubsub__expediente_events') }}
    where {{ new_events_filter() }}

),

{% if is_incremental() %}

    known as (

        select this.*
        from {{ this }} as this
        inner join touched on this.ref = touched.ref

    ),

{% endif %}

states as (

    select fct.*
    from {{ ref('fct_expediente_estados') }} as fct
    inner join touched on fct.ref = touched.ref

),

amount_changes as (

    select fct.*
    from {{ ref('fct_expediente_cuantias') }} as fct
    inner join touched on fct.ref = touched.ref
    where fct.is_change

),

states_in_order as (

    select
        *,
        row_number() over (
            partition by ref
            order by entered_at asc, state_order asc
        ) as position_first,
        row_number() over (
            partition by ref
            order by entered_at desc, state_order desc
        ) as position_last
    from states

),

state_summary as (

    select
        ref,
        max(case when position_first = 1 then procedimiento end)
            as procedimiento,
        max(case when position_first = 1 then juzgado end) as juzgado,
        max(case when position_last = 1 then estado end) as estado_actual,
        max(case when position_last = 1 then entered_at end) as estado_desde,
        max(case when estado = 'demanda' then entered_at end)
            as fecha_demanda,
        max(entered_at) as last_state_ts,
        max(last_ingested_at) as last_state_ingested_at,
        count(*) as n_estados,
        {{ ordered_structs(
            ['estado', 'entered_at'], 'entered_at, state_order'
        ) }} as historial_estados
    from states_in_order
    group by ref

),

amount_summary as (

    select
        ref,
        max(case when position_last = 1 then cuantia end) as cuantia_actual,
        max(event_ts) as last_amount_ts,
        max(last_ingested_at) as last_amount_ingested_at,
        count(*) as n_cuantias,
        {{ ordered_structs(['cuantia', 'event_ts'], 'event_ts') }}
            as historial_cuantias
    from (
        select
            *,
            row_number() over (
                partition by ref
                order by event_ts desc
            ) as position_last
        from amount_changes
    ) as ordered_amounts
    group by ref

),

final as (

    select
        ---------- ids
        state_summary.ref,

        ---------- case
        state_summary.procedimiento,
        state_summary.juzgado,
        state_summary.estado_actual,

        ---------- numerics
        amount_summary.cuantia_actual,
        state_summary.n_estados,
        coalesce(amount_summary.n_cuantias, 0) as n_cuantias,

        ---------- timestamps
        state_summary.fecha_demanda,
        state_summary.estado_desde,
        greatest(
            state_summary.last_state_ts,
            coalesce(amount_summary.last_amount_ts, state_summary.last_state_ts)
        ) as last_event_ts,
        greatest(
            state_summary.last_state_ingested_at,
            coalesce(
                amount_summary.last_amount_ingested_at,
                state_summary.last_state_ingested_at
            )
        ) as last_ingested_at,

        ---------- histories
        state_summary.historial_estados,
        amount_summary.historial_cuantias

    from state_summary
    left join amount_summary on state_summary.ref = amount_summary.ref

)

{% if is_incremental() %}

    select final.*
    from final
    left join known on final.ref = known.ref
    where
        known.ref is null
        or {{ any_column_changed(
            ['procedimiento', 'juzgado', 'estado_actual', 'cuantia_actual',
             'n_estados', 'n_cuantias', 'fecha_demanda', 'estado_desde',
             'last_event_ts', 'last_ingested_at', 'historial_estados',
             'historial_cuantias'],
            'final', 'known',
            arrays=['historial_estados', 'historial_cuantias']
        ) }}

{% else %}

    select * from final

{% endif %}
