-- The cases as a small cube for filtering dashboards: how many cases, per
-- court, procedure, current state and month of filing, with their amounts
-- and ages. Sums, not averages, so that any slice adds up (mean age =
-- edad_dias_total / n_expedientes).
with

expedientes as (

    select
        *,
        {{ court_city('juzgado') }} as ciudad,
        cast({{ dbt.date_trunc('month', 'fecha_demanda') }} as date)
            as mes_demanda
    from {{ ref('expedientes') }}

),

as_of as (

    select max(last_event_ts) as as_of_ts from expedientes

),

final as (

    select
        ---------- dimensions
        expedientes.ciudad,
        expedientes.juzgado,
        expedientes.procedimiento,
        expedientes.estado_actual as estado,
        expedientes.mes_demanda,

        ---------- numerics
        count(*) as n_expedientes,
        sum(expedientes.cuantia_actual) as cuantia_total,
        sum(
            {{ dbt.datediff(
                'expedientes.fecha_demanda', 'as_of.as_of_ts', 'day'
            ) }}
        ) as edad_dias_total

    from expedientes
    cross join as_of
    group by
        expedientes.ciudad,
        expedientes.juzgado,
        expedientes.procedimiento,
        expedientes.estado_actual,
        expedientes.mes_demanda

)

select * from final
