{#
    dbt's relationships test on DuckDB, with the child rows computed first
    (a materialized CTE). Otherwise DuckDB's optimizer joins the whole child
    table to the parent before applying the test window's filter (see
    get_where_subquery), which at 10M history rows took 0.86 s instead of
    0.28 s. BigQuery keeps dbt's version.
#}
{% macro duckdb__test_relationships(model, column_name, to, field) %}

with

child as materialized (

    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null

),

parent as (

    select {{ field }} as to_field
    from {{ to }}

)

select child.from_field
from child
left join parent
    on child.from_field = parent.to_field
where parent.to_field is null

{% endmacro %}
