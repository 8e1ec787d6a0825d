-- Cases by procedure: how many, how many still open, and their amounts.
with

expedientes as (

    select * from {{ ref('expedientes') }}

),

final as (

    select
        procedimiento,
        count(*) as n_expedientes,
        sum(case when estado_actual != 'archivo' then 1 else 0 end)
            as n_abiertos,
        sum(case when estado_actual = 'archivo' then 1 else 0 end)
            as n_archivados,
        sum(cuantia_actual) as cuantia_total,
        {{ percentile('cuantia_actual', 0.5) }} as cuantia_mediana
    from expedientes
    group by procedimiento

)

select * from final
