{#
    The where-clause of an incremental run: staging rows ingested since this
    model's watermark (its max(`watermark_column`)), minus the overlap var
    `ingest_overlap_minutes`. Every row on a full refresh. The watermark is
    coalesced: after `dbt run --empty` the table exists but holds no row.
#}
{% macro new_events_filter(watermark_column='last_ingested_at') %}
    {%- if is_incremental() -%}
        ingested_at > (
            select
                cast({{ dbt.dateadd(
                    'minute',
                    -1 * var('ingest_overlap_minutes'),
                    'coalesce(max(' ~ watermark_column ~ '), '
                    ~ dbt.cast("'1900-01-01'", dbt.type_timestamp()) ~ ')'
                ) }} as {{ dbt.type_timestamp() }})
            from {{ this }}
        )
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}
