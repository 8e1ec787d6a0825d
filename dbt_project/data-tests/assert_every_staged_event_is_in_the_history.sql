-- Nothing lost: every valid staged event is represented in the history facts
-- (its state for its case, its amount) and its case in the master table.
-- Checked for the events ingested in the last test_window_days days, as the
-- staging tests are (every event on --full-refresh): each build checks what
-- the builds since then merged, at a cost that does not grow with history.
-- Events ingested less than ingest_settle_seconds before the build started
-- are left to the next build: the pipeline may still be landing them while
-- the models read staging, and then they are rightly not merged yet.
{%- set settled_before -%}
    cast({{ dbt.dateadd(
        'second',
        -1 * var('ingest_settle_seconds'),
        dbt.cast(
            "'" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "'",
            dbt.type_timestamp()
        )
    ) }} as {{ dbt.type_timestamp() }})
{%- endset %}

with

events as (

    select * from {{ ref('stg_pubsub__expediente_events') }}
    where
        {{ recent_ingest() }}
        and ingested_at < {{ settled_before }}

),

estados as (

    select * from {{ ref('fct_expediente_estados') }}

),

cuantias as (

    select * from {{ ref('fct_expediente_cuantias') }}

),

master as (

    select * from {{ ref('expedientes') }}

)

select
    events.event_id,
    events.ref,
    events.estado,
    estados.ref is null as state_missing,
    master.ref is null as case_missing
from events
left join estados
    on events.ref = estados.ref and events.estado = estados.estado
left join cuantias
    on events.ref = cuantias.ref and events.event_ts = cuantias.event_ts
left join master
    on events.ref = master.ref
where
    estados.ref is null
    or master.ref is null
    or (events.cuantia is not null and cuantias.ref is null)
