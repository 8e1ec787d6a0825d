{#
    The city in a court's name, in either naming: "Juzgado de Primera
    Instancia nº N de <Ciudad>" or, since LO 1/2025, "Tribunal de Instancia
    de <Ciudad>, Sección Civil, plaza nº N". A name in neither form (the
    contract allows any text without control characters) gives '(sin ciudad)',
    so a court is never dropped from a by-city view.
#}
{% macro court_city(juzgado) %}
    {{ return(adapter.dispatch('court_city')(juzgado)) }}
{% endmacro %}

{% macro default__court_city(juzgado) %}
    coalesce(
        regexp_extract({{ juzgado }}, r'^Tribunal de Instancia de ([^,]+),'),
        regexp_extract({{ juzgado }}, r' nº [0-9]+ de (.+)$'),
        '(sin ciudad)'
    )
{% endmacro %}

{% macro duckdb__court_city(juzgado) %}
    coalesce(
        nullif(regexp_extract(
            {{ juzgado }}, '^Tribunal de Instancia de ([^,]+),', 1
        ), ''),
        nullif(regexp_extract({{ juzgado }}, ' nº [0-9]+ de (.+)$', 1), ''),
        '(sin ciudad)'
    )
{% endmacro %}
