{#
    The day of ingestion of a staging row: the landing folder's hive
    partition (ingest_date=YYYY-MM-DD) locally, so filters on it skip whole
    folders; the date of ingested_at on BigQuery, whose staging table is
    partitioned by that day.
#}
{% macro ingest_date_column() %}
    {{ return(adapter.dispatch('ingest_date_column')()) }}
{% endmacro %}

{% macro default__ingest_date_column() %}
    date(ingested_at)
{% endmacro %}

{% macro duckdb__ingest_date_column() %}
    ingest_date
{% endmacro %}
