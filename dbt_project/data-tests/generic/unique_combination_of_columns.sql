{#
    Fails on every combination of `combination` that appears more than once in the model.
    Written in this project because dbt packages (dbt_utils) are not installable offline.
#}
{% test unique_combination_of_columns(model, combination) %}

select
    {{ combination | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1

{% endtest %}
