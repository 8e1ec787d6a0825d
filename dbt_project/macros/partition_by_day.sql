{#
    BigQuery day partitioning on `field`, and nothing on other targets:
    dbt-duckdb reads `partition_by` itself and fails on BigQuery's shape.
#}
{% macro partition_by_day(field) %}
    {% if target.type == 'bigquery' %}
        {{ return({'field': field, 'data_type': 'timestamp', 'granularity': 'day'}) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}
