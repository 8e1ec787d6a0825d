-- Cases by current state for each procedure, every state listed in
-- procedural order (states with no case show 0).
with

states as (

    select * from {{ ref('procedure_states') }}

),

current_states as (

    select
        procedimiento,
        estado_actual as estado,
        count(*) as n_expedientes
    from {{ ref('expedientes') }}
    group by procedimiento, estado_actual

),

final as (

    select
        states.procedimiento,
        states.estado,
        states.label,
        states.state_order,
        states.kind,
        coalesce(current_states.n_expedientes, 0) as n_expedientes
    from states
    left join current_states
        on
            states.procedimiento = current_states.procedimiento
            and states.estado = current_states.estado

)

select * from final
