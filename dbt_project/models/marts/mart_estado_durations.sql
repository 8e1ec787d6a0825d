-- Days spent between consecutive states of a case, per procedure and
-- transition: how many, the median and the 90th percentile.
with

estados as (

    select * from {{ ref('fct_expediente_estados') }}

),

consecutive as (

    select
        procedimiento,
        lag(estado) over (
            partition by ref
            order by entered_at asc, state_order asc
        ) as from_estado,
        estado as to_estado,
        {{ dbt.datediff(
            'lag(entered_at) over (partition by ref '
            ~ 'order by entered_at asc, state_order asc)',
            'entered_at',
            'day'
        ) }} as dias
    from estados

),

final as (

    select
        procedimiento,
        from_estado,
        to_estado,
        count(*) as n_transiciones,
        {{ percentile('dias', 0.5) }} as dias_mediana,
        {{ percentile('dias', 0.9) }} as dias_p90
    from consecutive
    where from_estado is not null
    group by procedimiento, from_estado, to_estado

)

select * from final
