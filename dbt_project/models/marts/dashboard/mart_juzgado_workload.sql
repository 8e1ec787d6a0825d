-- Workload per court: open and total cases, by procedure, and the age of
-- the open ones (days since filing, at the latest business time known).
with

expedientes as (

    select
        *,
        {{ court_city('juzgado') }} as ciudad
    from {{ ref('expedientes') }}

),

as_of as (

    select max(last_event_ts) as as_of_ts from expedientes

),

final as (

    select
        expedientes.juzgado,
        expedientes.ciudad,
        count(*) as n_expedientes,
        sum(case when expedientes.estado_actual != 'archivo' then 1 else 0 end)
            as n_abiertos,
        sum(case when expedientes.procedimiento = 'Ordinario' then 1 else 0 end)
            as n_ordinarios,
        sum(case when expedientes.procedimiento = 'Verbal' then 1 else 0 end)
            as n_verbales,
        avg(
            case
                when expedientes.estado_actual != 'archivo'
                    then {{ dbt.datediff(
                        'expedientes.fecha_demanda', 'as_of.as_of_ts', 'day'
                    ) }}
            end
        ) as edad_media_abiertos_dias
    from expedientes
    cross join as_of
    group by expedientes.juzgado, expedientes.ciudad

)

select * from final
