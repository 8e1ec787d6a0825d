-- Transitions over time: how many cases entered each state, per day and
-- procedure (business time).
with

estados as (

    select * from {{ ref('fct_expediente_estados') }}

),

final as (

    select
        cast(entered_at as date) as dia,
        procedimiento,
        estado,
        state_order,
        count(*) as n_transiciones
    from estados
    group by cast(entered_at as date), procedimiento, estado, state_order

)

select * from final
