{#
    Fails on every row whose `column_name` differs from `field` of the last
    element of the ordered array `history`.
#}
{% test current_is_last_in_history(model, column_name, history, field) %}

select *
from {{ model }}
where
    {{ column_name }} is distinct from {{ last_element(history) }}.{{ field }}

{% endtest %}
