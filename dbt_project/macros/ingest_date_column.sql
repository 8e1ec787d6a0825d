{#
    The day of ingestion of a landed row: the landing folder's hive
    partition (ingest_date=YYYY-MM-DD) locally, so filters on it skip whole
    folders; the date of `time_column` on BigQuery, whose staging and
    dead-letter tables are partitioned by that day.
#}
{% macro ingest_date_column(time_column='ingested_at') %}
    {{ return(adapter.dispatch('ingest_date_column')(time_column)) }}
{% endmacro %}

{% macro default__ingest_date_column(time_column) %}
    date({{ time_column }})
{% endmacro %}

{% macro duckdb__ingest_date_column(time_column) %}
    ingest_date
{% endmacro %}
