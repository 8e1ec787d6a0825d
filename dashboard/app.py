"""The local dashboard over the dbt marts: ``make dashboard`` (http://127.0.0.1:8501).

Cases by procedimiento and by current estado (in procedural order), workload per juzgado, the
timeline of transitions and the days between estados, and the pipeline's health (dead letters
by reason, ingestion lag). Filters: procedimiento, city and juzgado, and a range of business
dates. It reads the local DuckDB warehouse read-only (``EXPEDIENTES_DASHBOARD_TARGET=bigquery``
reads the BigQuery marts instead) and says what to run when there is nothing to show yet.

Run it through ``python -m dashboard`` (the Makefile does), which binds 127.0.0.1 and turns
Streamlit's usage statistics off.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import data
from expedientes.warehouse import WarehouseBusy

TOP_COURTS = 15
CACHE_SECONDS = 30


def _source():
    return data.source_from_environment()


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _options(where: str, version: float) -> dict:
    """The filters' choices; cached per source (``where``) and warehouse version."""
    source = _source()
    found = data.options(source)
    courts = found["courts"]
    return {
        "procedimientos": sorted(courts["procedimiento"].unique()),
        "ciudades": sorted(courts["ciudad"].unique()),
        "courts": courts[["ciudad", "juzgado"]].drop_duplicates(),
        "juzgados": sorted(courts["juzgado"].unique()),
        "desde": found["desde"],
        "hasta": found["hasta"],
        "states": data.states(source),
    }


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _query(
    kind: str,
    where: str,
    version: float,
    filters: data.Filters,
    everything: dict,
    days: int = 30,
):
    """One dashboard query, cached per source, warehouse version and filters."""
    source = _source()
    if kind == "cases":
        return data.cases(source, filters, everything)
    if kind == "transitions":
        return data.transitions(source, filters, everything)
    if kind == "durations":
        return data.durations(source, filters, everything)
    return data.health(source, days)


def empty_state(why: str) -> None:
    st.info(
        "No data to show yet. Run `make demo` to build the warehouse end to end "
        "(or `make build` once the pipeline has landed events), then reload this page.",
        icon="ℹ️",
    )
    st.caption(why)


def sidebar(options: dict) -> tuple[data.Filters, int, int, dict]:
    st.sidebar.header("Filters")
    procedimientos = st.sidebar.multiselect(
        "Procedimiento", options["procedimientos"], placeholder="all", key="procedimientos"
    )
    ciudades = st.sidebar.multiselect(
        "City", options["ciudades"], placeholder="all", key="ciudades"
    )
    courts = options["courts"]
    if ciudades:
        courts = courts[courts["ciudad"].isin(ciudades)]
    juzgados = st.sidebar.multiselect(
        "Juzgado", sorted(courts["juzgado"]), placeholder="all", key="juzgados"
    )
    first, last = options["desde"], options["hasta"]
    chosen = st.sidebar.date_input(
        "Business dates (filing, transitions)",
        value=(first, last),
        min_value=first,
        max_value=last,
        key="dates",
    )
    desde, hasta = chosen if isinstance(chosen, tuple) and len(chosen) == 2 else (first, last)
    top = st.sidebar.slider("Courts in the workload chart", 5, 50, TOP_COURTS, key="top")
    days = st.sidebar.slider("Days of pipeline health", 1, 90, 30, key="days")
    everything = {k: options[k] for k in ("procedimientos", "ciudades", "juzgados")}
    filters = data.Filters(
        tuple(procedimientos),
        tuple(ciudades),
        tuple(juzgados),
        desde,
        hasta,
    )
    return filters, top, days, everything


def kpis(cases: pd.DataFrame) -> None:
    total = int(cases["n_expedientes"].sum())
    archived = int(cases.loc[cases["estado"] == "archivo", "n_expedientes"].sum())
    columns = st.columns(4)
    columns[0].metric("Expedientes", f"{total:,}")
    columns[1].metric("Open", f"{total - archived:,}")
    columns[2].metric("Archived", f"{archived:,}")
    columns[3].metric("Cuantía in dispute (EUR)", f"{float(cases['cuantia_total'].sum()):,.0f}")


def by_procedimiento(cases: pd.DataFrame) -> None:
    frame = cases.assign(
        situacion=cases["estado"].map(lambda e: "archived" if e == "archivo" else "open")
    )
    frame = frame.groupby(["procedimiento", "situacion"], as_index=False)["n_expedientes"].sum()
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("n_expedientes:Q", title="expedientes"),
            y=alt.Y("procedimiento:N", title=None),
            color=alt.Color("situacion:N", title=None),
            tooltip=["procedimiento", "situacion", "n_expedientes"],
        )
        .properties(height=140)
    )
    st.altair_chart(chart, width="stretch")


def by_estado(cases: pd.DataFrame, states: pd.DataFrame, procedimientos: list[str]) -> None:
    counts = cases.groupby(["procedimiento", "estado"], as_index=False)["n_expedientes"].sum()
    columns = st.columns(max(1, len(procedimientos)))
    for column, procedimiento in zip(columns, procedimientos, strict=False):
        frame = states[states["procedimiento"] == procedimiento].merge(
            counts, on=["procedimiento", "estado"], how="left"
        )
        frame["n_expedientes"] = frame["n_expedientes"].fillna(0).astype(int)
        chart = (
            alt.Chart(frame, title=procedimiento)
            .mark_bar()
            .encode(
                x=alt.X("n_expedientes:Q", title="expedientes"),
                y=alt.Y(
                    "label:N",
                    title=None,
                    sort=alt.SortField("state_order"),
                    axis=alt.Axis(labelOverlap=False, labelLimit=220),
                ),
                color=alt.Color("kind:N", title="kind"),
                tooltip=["label", "kind", "n_expedientes"],
            )
            .properties(height=28 * len(frame))
        )
        column.altair_chart(chart, width="stretch")


def workload(cases: pd.DataFrame, top: int) -> None:
    frame = cases.assign(
        abiertos=cases["n_expedientes"].where(cases["estado"] != "archivo", 0),
        edad_abiertos=cases["edad_dias_total"].where(cases["estado"] != "archivo", 0),
        ordinarios=cases["n_expedientes"].where(cases["procedimiento"] == "Ordinario", 0),
        verbales=cases["n_expedientes"].where(cases["procedimiento"] == "Verbal", 0),
    )
    per_court = frame.groupby(["juzgado", "ciudad"], as_index=False)[
        ["n_expedientes", "abiertos", "ordinarios", "verbales", "edad_abiertos"]
    ].sum()
    per_court["edad_media_abiertos_dias"] = (
        per_court["edad_abiertos"] / per_court["abiertos"].where(per_court["abiertos"] > 0)
    ).round(0)
    per_court = per_court.sort_values(["abiertos", "n_expedientes"], ascending=False)
    busiest = per_court.head(top)
    chart = (
        alt.Chart(busiest)
        .mark_bar()
        .encode(
            x=alt.X("abiertos:Q", title="open expedientes", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y(
                "juzgado:N",
                title=None,
                sort="-x",
                axis=alt.Axis(labelOverlap=False, labelLimit=360),
            ),
            tooltip=["juzgado", "abiertos", "n_expedientes", "edad_media_abiertos_dias"],
        )
        .properties(height=22 * len(busiest) + 20)
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(
        per_court.drop(columns="edad_abiertos").rename(
            columns={"n_expedientes": "total", "edad_media_abiertos_dias": "mean age open (days)"}
        ),
        hide_index=True,
        width="stretch",
    )


def timeline(transitions: pd.DataFrame, desde: date, hasta: date) -> None:
    if transitions.empty:
        st.caption("No transitions in the chosen range.")
        return
    estados = sorted(transitions["estado"].unique())
    default = [e for e in ("demanda", "sentencia", "archivo") if e in estados] or estados[:3]
    chosen = st.multiselect("Estados", estados, default=default, key="timeline_estados")
    span = (hasta - desde).days
    if span <= 120:
        unit, label = "D", "day"
    elif span <= 730:
        unit, label = "W", "week"
    else:
        unit, label = "MS", "month"
    frame = transitions[transitions["estado"].isin(chosen or estados)]
    frame = frame.assign(dia=pd.to_datetime(frame["dia"]))
    frame = (
        frame.groupby([pd.Grouper(key="dia", freq=unit), "estado"])["n_transiciones"]
        .sum()
        .reset_index()
    )
    chart = (
        alt.Chart(frame)
        .mark_line(point=span <= 120)
        .encode(
            x=alt.X("dia:T", title=label),
            y=alt.Y("n_transiciones:Q", title=f"cases entering the estado per {label}"),
            color=alt.Color("estado:N"),
            tooltip=["dia:T", "estado", "n_transiciones"],
        )
        .properties(height=320)
    )
    st.altair_chart(chart, width="stretch")


def durations(frame: pd.DataFrame, states: pd.DataFrame, top: int = 12) -> None:
    if frame.empty:
        st.caption("No transitions yet.")
        return
    procedimientos = sorted(frame["procedimiento"].unique())
    procedimiento = st.selectbox("Procedimiento", procedimientos, key="durations_procedimiento")
    order = states.set_index(["procedimiento", "estado"])["state_order"]
    rows = frame[frame["procedimiento"] == procedimiento].copy()
    rows["transicion"] = rows["from_estado"] + " → " + rows["to_estado"]
    rows["from_order"] = [order.get((procedimiento, e), 99) for e in rows["from_estado"]]
    frequent = rows.nlargest(top, "n_transiciones").sort_values(["from_order", "dias_mediana"])
    long = frequent.melt(
        id_vars=["transicion", "n_transiciones", "from_order"],
        value_vars=["dias_mediana", "dias_p90"],
        var_name="medida",
        value_name="dias",
    )
    long["medida"] = long["medida"].map({"dias_mediana": "median", "dias_p90": "p90"})
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("dias:Q", title="days"),
            y=alt.Y(
                "transicion:N",
                title=None,
                sort=list(frequent["transicion"]),
                axis=alt.Axis(labelOverlap=False, labelLimit=320),
            ),
            color=alt.Color("medida:N", title=None),
            yOffset="medida:N",
            tooltip=["transicion", "medida", "dias", "n_transiciones"],
        )
        .properties(height=34 * len(frequent) + 20)
    )
    st.altair_chart(chart, width="stretch")
    st.caption(f"The {len(frequent)} most frequent transitions of the {procedimiento}.")
    with st.expander("Every transition"):
        st.dataframe(
            rows.drop(columns=["from_order"]).sort_values("n_transiciones", ascending=False),
            hide_index=True,
            width="stretch",
        )


def pipeline_health(landed: pd.DataFrame, dead: pd.DataFrame) -> None:
    left, right = st.columns(2)
    if dead.empty:
        left.caption("No dead letters in these days.")
    else:
        reasons = dead.groupby("error_type", as_index=False)["n_dead_letters"].sum()
        left.altair_chart(
            alt.Chart(reasons, title="Dead letters by reason")
            .mark_bar()
            .encode(
                x=alt.X("n_dead_letters:Q", title="messages"),
                y=alt.Y("error_type:N", title=None, sort="-x"),
                tooltip=["error_type", "n_dead_letters"],
            ),
            width="stretch",
        )
    if landed.empty:
        right.caption("No events landed in these days.")
    else:
        lag = landed.melt(
            id_vars=["dia", "n_landed"],
            value_vars=["lag_p50_seconds", "lag_p95_seconds"],
            var_name="percentile",
            value_name="seconds",
        )
        lag["percentile"] = lag["percentile"].map(
            {"lag_p50_seconds": "p50", "lag_p95_seconds": "p95"}
        )
        lag["dias"] = lag["seconds"] / 86400
        right.altair_chart(
            alt.Chart(lag, title="Ingestion lag (ingested_at - event_ts)")
            .mark_bar()
            .encode(
                x=alt.X("dia:T", title="day of ingestion"),
                y=alt.Y("dias:Q", title="days"),
                color=alt.Color("percentile:N", title=None),
                xOffset="percentile:N",
                tooltip=["dia:T", "percentile", "dias", "n_landed"],
            ),
            width="stretch",
        )
        st.caption(
            f"{int(landed['n_landed'].sum()):,} events landed in these days. Replayed backfills "
            "show lags of years by design: their business times lie in the past."
        )


def main() -> None:
    st.set_page_config(page_title="Expedientes", page_icon="⚖️", layout="wide")
    st.title("Expedientes judiciales")
    try:
        source = _source()
        version = source.version()
        where = source.describe()
        options = _options(where, version)
    except data.NoData as exc:
        empty_state(str(exc))
        return
    except WarehouseBusy:
        st.warning("A dbt build is writing the warehouse right now: reload in a few seconds.")
        return
    if not options["juzgados"]:
        empty_state("the warehouse holds no case yet")
        return
    st.caption(f"Source: {source.describe()}. Business dates are event times, in UTC.")
    filters, top, days, everything = sidebar(options)
    chosen = list(filters.procedimientos or options["procedimientos"])
    try:
        cases = _query("cases", where, version, filters, everything)
        transitions = _query("transitions", where, version, filters, everything)
        duration_rows = _query("durations", where, version, filters, everything)
        landed, dead = _query("health", where, version, filters, everything, days)
    except WarehouseBusy:
        st.warning("A dbt build is writing the warehouse right now: reload in a few seconds.")
        return

    kpis(cases)
    st.header("Expedientes by procedimiento")
    by_procedimiento(cases)
    st.header("Expedientes by current estado")
    by_estado(cases, options["states"], chosen)
    st.header("Workload per juzgado")
    workload(cases, top)
    st.header("Transitions over time")
    timeline(transitions, filters.desde, filters.hasta)
    st.header("Days between estados")
    durations(duration_rows, options["states"])
    st.header("Pipeline health")
    pipeline_health(landed, dead)


if __name__ == "__main__":  # how `streamlit run` (and Streamlit's AppTest) run a script
    main()
