{#
    dbt's is_incremental(), except when EXPEDIENTES_OFFLINE_INCREMENTAL is set
    to true or false: then incremental models compile as incremental (or full)
    runs without asking the warehouse whether the table exists. Only the
    offline BigQuery compile check sets it; normal runs never do.
#}
{% macro is_incremental() %}
    {% set forced = env_var('EXPEDIENTES_OFFLINE_INCREMENTAL', '') %}
    {% if forced in ('true', 'false') %}
        {{ return(
            forced == 'true'
            and model is defined
            and model.config.materialized == 'incremental'
        ) }}
    {% endif %}
    {{ return(dbt.is_incremental()) }}
{% endmacro %}
