{#
    Fails on every pair of consecutive states of a case (ordered by
    `order_by`) that is not a legal transition of its procedure in the
    `transitions` seed (exported from expedientes/procedures.yaml).
#}
{% test legal_transitions(model, column_name, case_key, order_by, transitions) %}

with

ordered as (

    select
        {{ case_key }} as case_key,
        procedimiento,
        lag({{ column_name }}) over (
            partition by {{ case_key }}
            order by {{ order_by }}
        ) as from_estado,
        {{ column_name }} as to_estado
    from {{ model }}

),

legal as (

    select * from {{ transitions }}

)

select ordered.*
from ordered
left join legal
    on
        ordered.procedimiento = legal.procedimiento
        and ordered.from_estado = legal.from_estado
        and ordered.to_estado = legal.to_estado
where
    ordered.from_estado is not null
    and legal.to_estado is null

{% endtest %}
