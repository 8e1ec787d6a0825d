{#
    `relation` (a source), or an empty relation of the same columns and types
    when it is the local target's read_json over a landing folder that holds
    no file yet: DuckDB's read_json fails on a glob that matches nothing, and
    before the pipeline landed anything the staging models and the source
    tests must still run. The columns and types are read from the source's
    own `columns = struct_pack(...)` (rendered from the event contract), plus
    the hive partition `ingest_date`. Any other target or relation, the
    parse phase, and the `lint` target (sqlfluff lints the real query) get
    `relation` itself.
#}
{% macro landing_relation(relation) %}
    {%- set rendered = relation | string -%}
    {%- if not execute or target.type != 'duckdb' or target.name == 'lint'
        or 'read_json(' not in rendered -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set glob = modules.re.search("read_json\\(\\s*'([^']+)'", rendered).group(1) -%}
    {%- set found = run_query("select count(*) from glob('" ~ glob ~ "')") -%}
    {%- if found.columns[0].values()[0] > 0 -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set columns = modules.re.findall("(\\w+) := '([^']+)'", rendered) -%}
    {%- set casts = [] -%}
    {%- for name, type in columns -%}
        {%- do casts.append('cast(null as ' ~ type ~ ') as ' ~ name) -%}
    {%- endfor -%}
    {%- if 'hive_partitioning = true' in rendered -%}
        {%- do casts.append('cast(null as date) as ingest_date') -%}
    {%- endif -%}
    {{ return('(select ' ~ casts | join(', ') ~ ' where false)') }}
{% endmacro %}
