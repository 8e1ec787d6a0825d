-- Out of every non-terminal state, the shares of the legal next states
-- sum to 1.
with

transitions as (

    select * from {{ ref('procedure_transitions') }}

)

select
    procedimiento,
    from_estado,
    sum(probability) as total_probability
from transitions
group by procedimiento, from_estado
having abs(sum(probability) - 1) > 0.000001
