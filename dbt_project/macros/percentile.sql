{#
    The `p` quantile (0-1) of `expression` as an aggregate: exact on DuckDB
    (quantile_cont), approximate on BigQuery (approx_quantiles, 100 buckets).
#}
{% macro percentile(expression, p) %}
    {{ return(adapter.dispatch('percentile')(expression, p)) }}
{% endmacro %}

{% macro default__percentile(expression, p) %}
    approx_quantiles({{ expression }}, 100)[offset({{ (p * 100) | int }})]
{% endmacro %}

{% macro duckdb__percentile(expression, p) %}
    quantile_cont({{ expression }}, {{ p }})
{% endmacro %}
