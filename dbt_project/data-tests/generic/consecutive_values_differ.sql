{#
    Fails on every row whose `column` equals the previous row's within
    `partition_by`, ordered by `order_by`, among rows matching `where`
    (e.g. two consecutive amount changes of a case with the same amount).
#}
{% test consecutive_values_differ(model, column_name, partition_by, order_by, where='true') %}

with

ordered as (

    select
        {{ partition_by }} as partition_key,
        {{ column_name }} as current_value,
        lag({{ column_name }}) over (
            partition by {{ partition_by }}
            order by {{ order_by }}
        ) as previous_value
    from {{ model }}
    where {{ where }}

)

select *
from ordered
where current_value = previous_value

{% endtest %}
