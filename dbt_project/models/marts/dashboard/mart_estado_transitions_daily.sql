-- Transitions over time: how many cases entered each state, per day
-- (business time), procedure and city of the court.
with

estados as (

    select
        *,
        {{ court_city('juzgado') }} as ciudad
    from {{ ref('fct_expediente_estados') }}

),

final as (

    select
        cast(entered_at as date) as dia,
        procedimiento,
        estado,
        state_order,
        ciudad,
        count(*) as n_transiciones
    from estados
    group by
        cast(entered_at as date), procedimiento, estado, state_order, ciudad

)

select * from final
