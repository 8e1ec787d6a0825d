{#
    The where-clause of an incremental run: the rows whose `time_column` lies
    after this model's watermark (its max(`watermark_column`)) minus the
    overlap var `ingest_overlap_minutes`, and whose `date_column` (a
    partition: the landing folder's day locally, the table's day partition on
    BigQuery) is on or after that day; every row on a full refresh.
    `whole_days=true` keeps the day condition only: for models that recompute
    whole days of ingestion. `date_column=none` keeps the time condition only:
    for reading tables that have no day partition column.

    The watermark is read before the model runs and written into the SQL as a
    literal: DuckDB (hive folders) and BigQuery (partitions) prune only on
    constants, not on a scalar subquery, and the filter on the day is what
    lets a run skip older days, so that its cost follows the new events, not
    the history. It is coalesced: after `dbt run --empty` the table exists but
    holds no row.
#}
{% macro new_events_filter(
    watermark_column='last_ingested_at',
    time_column='ingested_at',
    date_column='ingest_date',
    whole_days=false
) %}
    {%- if not is_incremental() -%}
        true
    {%- else -%}
        {%- set watermark = '1900-01-01 00:00:00' -%}
        {%- if execute and env_var('EXPEDIENTES_OFFLINE_INCREMENTAL', '') == '' -%}
            {%- set found = run_query(
                'select cast(max(' ~ watermark_column ~ ') as '
                ~ dbt.type_string() ~ ') from ' ~ this
            ) -%}
            {%- if found.columns[0].values()[0] -%}
                {%- set watermark = found.columns[0].values()[0][:19] -%}
            {%- endif -%}
        {%- endif -%}
        {%- set since -%}
            cast({{ dbt.dateadd(
                'minute',
                -1 * var('ingest_overlap_minutes'),
                dbt.cast("'" ~ watermark ~ "'", dbt.type_timestamp())
            ) }} as {{ dbt.type_timestamp() }})
        {%- endset -%}
        {%- set conditions = [] -%}
        {%- if date_column -%}
            {%- do conditions.append(
                date_column ~ ' >= cast(' ~ since ~ ' as date)'
            ) -%}
        {%- endif -%}
        {%- if not whole_days -%}
            {%- do conditions.append(time_column ~ ' > ' ~ since) -%}
        {%- endif -%}
        {{ conditions | join('\n        and ') }}
    {%- endif -%}
{% endmacro %}
