{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['ref', 'to_estado'],
        merge_exclude_columns=['ref', 'to_estado'],
        partition_by=partition_by_day('entered_at'),
        cluster_by=['ref'],
        on_schema_change='fail',
    )
}}

-- Each state a case reached with the state before it in its history and the
-- days between them (null for the first state). Each run recomputes the
-- whole history of the cases whose states changed since its watermark: a
-- late state lands between two known ones and changes its successor's
-- from_estado, so every row of a touched case is recomputed, and the rows
-- that changed are merged.

with

estados as (

    select * from {{ ref('fct_expediente_estados') }}

),

{% if is_incremental() %}

    touched as (

        select distinct ref
        from estados
        where
            {{ new_events_filter(
                time_column='last_ingested_at', date_column=none
            ) }}

    ),

    histories as (

        select estados.*
        from estados
        inner join touched on estados.ref = touched.ref

    ),

    known as (

        select this.*
        from {{ this }} as this
        inner join touched on this.ref = touched.ref

    ),

{% else %}

    histories as (

        select * from estados

    ),

{% endif %}

sequenced as (

    select
        ref,
        procedimiento,
        estado,
        state_order,
        entered_at,
        last_ingested_at,
        lag(estado) over (
            partition by ref
            order by entered_at asc, state_order asc
        ) as from_estado,
        lag(entered_at) over (
            partition by ref
            order by entered_at asc, state_order asc
        ) as from_entered_at
    from histories

),

final as (

    select
        ---------- ids
        ref,

        ---------- transition
        procedimiento,
        from_estado,
        estado as to_estado,
        state_order as to_state_order,

        ---------- numerics
        {{ dbt.datediff('from_entered_at', 'entered_at', 'day') }}
            as dias,

        ---------- timestamps
        entered_at,
        last_ingested_at

    from sequenced

)

{% if is_incremental() %}

    select final.*
    from final
    left join known
        on final.ref = known.ref and final.to_estado = known.to_estado
    where
        known.ref is null
        or {{ any_column_changed(
            ['procedimiento', 'from_estado', 'to_state_order', 'dias',
             'entered_at', 'last_ingested_at'],
            'final', 'known'
        ) }}

{% else %}

    select * from final

{% endif %}
