{#
    An array of structs ordered by `order_by`, aggregated per group:
    ARRAY<STRUCT<...>> on BigQuery, a LIST of STRUCT on DuckDB.
    `fields` is a list of column names, kept with their names.
#}
{% macro ordered_structs(fields, order_by) %}
    {{ return(adapter.dispatch('ordered_structs')(fields, order_by)) }}
{% endmacro %}

{% macro default__ordered_structs(fields, order_by) %}
    array_agg(
        struct(
            {%- for field in fields %}
                {{ field }} as {{ field }}{{ "," if not loop.last }}
            {%- endfor %}
        )
        order by {{ order_by }}
    )
{% endmacro %}

{% macro duckdb__ordered_structs(fields, order_by) %}
    list(
        struct_pack(
            {%- for field in fields %}
                {{ field }} := {{ field }}{{ "," if not loop.last }}
            {%- endfor %}
        )
        order by {{ order_by }}
    )
{% endmacro %}
