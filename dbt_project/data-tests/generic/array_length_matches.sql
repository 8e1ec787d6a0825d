{#
    Fails on every row of the model whose array `column_name` does not hold
    as many elements as `fact` has rows for the same `key` (where `fact_where`).
#}
{% test array_length_matches(model, column_name, key, fact, fact_where='true') %}

with

facts as (

    select
        {{ key }} as fact_key,
        count(*) as n_rows
    from {{ fact }}
    where {{ fact_where }}
    group by {{ key }}

)

select
    model.{{ key }},
    {{ array_length('model.' ~ column_name) }} as n_elements,
    facts.n_rows
from {{ model }} as model
left join facts on model.{{ key }} = facts.fact_key
where coalesce({{ array_length('model.' ~ column_name) }}, 0)
    != coalesce(facts.n_rows, 0)

{% endtest %}
