-- Every transition in the procedure_transitions seed joins two states of its
-- own procedure, moving forward in procedural order.
with

transitions as (

    select * from {{ ref('procedure_transitions') }}

),

states as (

    select * from {{ ref('procedure_states') }}

)

select
    transitions.procedimiento,
    transitions.from_estado,
    transitions.to_estado
from transitions
left join states as from_states
    on
        transitions.procedimiento = from_states.procedimiento
        and transitions.from_estado = from_states.estado
left join states as to_states
    on
        transitions.procedimiento = to_states.procedimiento
        and transitions.to_estado = to_states.estado
where
    from_states.estado is null
    or to_states.estado is null
    or to_states.state_order <= from_states.state_order
