{#
    dbt.safe_cast renders a plain cast on DuckDB, which errors on bad input:
    use try_cast there (the project's dispatch search order puts this first).
#}
{% macro duckdb__safe_cast(field, type) %}
    try_cast({{ field }} as {{ type }})
{% endmacro %}
