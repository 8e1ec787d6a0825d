{#
    Fails on every row of the model whose array `column_name` does not hold
    as many elements as `fact` has rows for the same `key` (where `fact_where`).
    Only the facts of the keys in the (possibly windowed) model are counted.
#}
{% test array_length_matches(model, column_name, key, fact, fact_where='true') %}

with

tested as (

    select
        {{ key }} as tested_key,
        {{ array_length(column_name) }} as n_elements
    from {{ model }}

),

facts as (

    select
        {{ key }} as fact_key,
        count(*) as n_rows
    from {{ fact }}
    where
        {{ fact_where }}
        and {{ key }} in (select tested.tested_key from tested)
    group by {{ key }}

)

select
    tested.tested_key,
    tested.n_elements,
    facts.n_rows
from tested
left join facts on tested.tested_key = facts.fact_key
where coalesce(tested.n_elements, 0) != coalesce(facts.n_rows, 0)

{% endtest %}
