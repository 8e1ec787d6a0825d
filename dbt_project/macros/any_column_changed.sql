{#
    True when any of `columns` differs between the row aliased `new` and the
    row aliased `known` (null-safe). Array columns (listed again in
    `arrays`) are compared through their JSON text on BigQuery, which has no
    equality on arrays; DuckDB compares lists directly.

    Incremental models keep only the rows this tells changed (or that are
    new): a run writes what really changed, so re-read overlap rows and
    repeated builds cost no update, and the tables stay byte-for-byte the same
    when nothing new arrived.
#}
{% macro any_column_changed(columns, new, known, arrays=[]) %}
    (
        {%- for column in columns %}
            {% if not loop.first %}or {% endif -%}
            {%- if column in arrays -%}
                {{ comparable_array(new ~ '.' ~ column) }}
                is distinct from {{ comparable_array(known ~ '.' ~ column) }}
            {%- else -%}
                {{ new }}.{{ column }} is distinct from {{ known }}.{{ column }}
            {%- endif -%}
        {%- endfor %}
    )
{% endmacro %}

{% macro comparable_array(expression) %}
    {{ return(adapter.dispatch('comparable_array')(expression)) }}
{% endmacro %}

{% macro default__comparable_array(expression) %}
    to_json_string({{ expression }})
{% endmacro %}

{% macro duckdb__comparable_array(expression) %}
    {{ expression }}
{% endmacro %}
