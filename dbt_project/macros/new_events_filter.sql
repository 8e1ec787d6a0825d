{#
    The where-clause of an incremental run: staging rows ingested since this
    model's watermark (its max(`watermark_column`)), minus the overlap var
    `ingest_overlap_minutes`; every row on a full refresh.

    The watermark is read before the model runs and written into the SQL as a
    literal: DuckDB (hive folders) and BigQuery (partitions) prune only on
    constants, not on a scalar subquery, and the filter on ingest_date is what
    lets a run skip older days, so that its cost follows the new events, not
    the history. It is coalesced: after `dbt run --empty` the table exists but
    holds no row.
#}
{% macro new_events_filter(watermark_column='last_ingested_at') %}
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
        ingest_date >= cast({{ since }} as date)
        and ingested_at > {{ since }}
    {%- endif -%}
{% endmacro %}
