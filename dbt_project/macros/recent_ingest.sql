{#
    The window the tests of a build check: rows whose `time_column` falls in
    the last `test_window_days` days (var, default 3) before the run started.
    A build can only break what it writes, and it writes the rows of the
    events ingested since the last build; scheduled builds run every few
    hours, so every row is tested by several builds after its events land,
    while a build's test cost follows the recent days instead of the whole
    history (on BigQuery it scans those partitions; locally those landing
    folders). `--full-refresh`, or `--vars '{test_window_days: 0}'`, tests
    every row: do that for a complete audit, e.g. after a first build over a
    landing that holds older days. The bound is a literal, which is what
    DuckDB and BigQuery prune on.

    On DuckDB, with `date_column`, the landing folder's day is bounded too:
    that is what skips older folders (BigQuery prunes on the time column, the
    tables' partitioning column).
#}
{% macro recent_ingest(time_column='ingested_at', date_column='ingest_date') %}
    {%- set days = var('test_window_days') | int -%}
    {%- if flags.FULL_REFRESH or days <= 0 -%}
        true
    {%- else -%}
        {%- set since = (
            run_started_at - modules.datetime.timedelta(days=days)
        ).strftime('%Y-%m-%d') -%}
        {%- if date_column and target.type == 'duckdb' -%}
            {{ date_column }} >= {{ dbt.cast("'" ~ since ~ "'", 'date') }} and
        {% endif -%}
        {{ time_column }} >= {{ dbt.cast("'" ~ since ~ "'", dbt.type_timestamp()) }}
    {%- endif -%}
{% endmacro %}
