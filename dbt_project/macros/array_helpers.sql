{# The last element of an array (BigQuery) or list (DuckDB). #}
{% macro last_element(array) %}
    {{ return(adapter.dispatch('last_element')(array)) }}
{% endmacro %}

{% macro default__last_element(array) %}
    {{ array }}[safe_ordinal(array_length({{ array }}))]
{% endmacro %}

{% macro duckdb__last_element(array) %}
    {{ array }}[-1]
{% endmacro %}

{# The number of elements of an array (BigQuery) or list (DuckDB). #}
{% macro array_length(array) %}
    {{ return(adapter.dispatch('array_length')(array)) }}
{% endmacro %}

{% macro default__array_length(array) %}
    array_length({{ array }})
{% endmacro %}

{% macro duckdb__array_length(array) %}
    len({{ array }})
{% endmacro %}
