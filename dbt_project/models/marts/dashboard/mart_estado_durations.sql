-- Days spent between consecutive states of a case, per procedure and
-- transition: how many, the median and the 90th percentile.
with

transitions as (

    select * from {{ ref('int_expediente_transitions') }}
    where from_estado is not null

),

final as (

    select
        procedimiento,
        from_estado,
        to_estado,
        count(*) as n_transiciones,
        {{ percentile('dias', 0.5) }} as dias_mediana,
        {{ percentile('dias', 0.9) }} as dias_p90
    from transitions
    group by procedimiento, from_estado, to_estado

)

select * from final
