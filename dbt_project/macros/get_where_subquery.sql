{#
    dbt's `where` config for tests, with placeholders for the test window
    (see recent_ingest; YAML configs cannot call macros, and overriding this
    macro is the way dbt documents for templated test filters):

    - `__recent_ingest__`: staging rows ingested in the window;
    - `__recent_failures__`: dead letters that failed in the window;
    - `__recent_cases__`: every row of the cases with a row whose events were
      ingested in the window (`last_ingested_at`), so tests over a case's
      whole history (transitions, consecutive amounts) see all of it.

    Source tests on an empty local landing test an empty relation
    (landing_relation) instead of failing on the empty glob.
#}
{% macro default__get_where_subquery(relation) -%}
    {%- set relation = landing_relation(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set recent_cases -%}
            ref in (
                select recent.ref from {{ relation }} as recent
                where {{ recent_ingest('recent.last_ingested_at', none) }}
            )
        {%- endset -%}
        {%- set where = where
            | replace('__recent_ingest__', recent_ingest('ingested_at'))
            | replace('__recent_failures__', recent_ingest('failed_at'))
            | replace('__recent_cases__', recent_cases) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) as dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
