"""The procedures' state machine: reachability, termination, thresholds, calibration."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest

from expedientes import procedures

PROCEDURES = procedures.names()


def test_both_procedures_are_defined() -> None:
    assert PROCEDURES == ["Ordinario", "Verbal"]


@pytest.mark.parametrize("name", PROCEDURES)
def test_every_state_is_reachable_from_the_demanda(name: str) -> None:
    proc = procedures.get(name)
    assert proc.initial.name == "demanda"
    seen, frontier = {"demanda"}, ["demanda"]
    while frontier:
        for move in proc.next_transitions(frontier.pop()):
            if move.target not in seen:
                seen.add(move.target)
                frontier.append(move.target)
    assert seen == set(proc.state_names())


@pytest.mark.parametrize("name", PROCEDURES)
def test_every_path_ends_in_a_terminal_state_without_repeating_a_state(name: str) -> None:
    proc = procedures.get(name)
    paths = list(proc.paths())
    assert len(paths) > 10
    for path in paths:
        assert proc.state(path[-1]).is_terminal
        assert path[-1] == "archivo"
        assert len(set(path)) == len(path)
        assert all(proc.is_legal(a, b) for a, b in itertools.pairwise(path))


@pytest.mark.parametrize("name", PROCEDURES)
def test_every_non_terminal_state_can_move_on(name: str) -> None:
    proc = procedures.get(name)
    for state in proc.states:
        assert bool(proc.next_transitions(state.name)) != state.is_terminal, state.name


@pytest.mark.parametrize(
    ("name", "optional"),
    [
        ("Ordinario", {"juicio", "diligencias_finales", "recurso_apelacion", "ejecucion"}),
        ("Verbal", {"vista", "recurso_apelacion", "ejecucion"}),
    ],
)
def test_optional_steps_can_be_skipped(name: str, optional: set[str]) -> None:
    proc = procedures.get(name)
    assert {s.name for s in proc.states if s.kind == "optional"} == optional
    for step in optional:
        assert any(step not in path and "sentencia" in path for path in proc.paths()), step


@pytest.mark.parametrize("name", PROCEDURES)
def test_early_endings_exist_and_close_the_case(name: str) -> None:
    proc = procedures.get(name)
    endings = {s.name for s in proc.states if s.kind == "early_ending"}
    assert endings == {"allanamiento", "desistimiento", "acuerdo"}
    for ending in endings:
        assert any(path[-1] == "archivo" and ending in path for path in proc.paths())
    # a settlement or a withdrawal never leads to a contested judgment
    for path in proc.paths():
        for ending in ("desistimiento", "acuerdo"):
            if ending in path:
                assert "sentencia" not in path[path.index(ending) :]


def test_the_ordinario_has_an_audiencia_previa_and_the_verbal_a_vista() -> None:
    assert "audiencia_previa" in procedures.get("Ordinario").state_names()
    assert "vista" not in procedures.get("Ordinario").state_names()
    assert "vista" in procedures.get("Verbal").state_names()
    assert "audiencia_previa" not in procedures.get("Verbal").state_names()


@pytest.mark.parametrize(
    ("cuantia", "filed", "expected"),
    [
        (Decimal("6000.00"), date(2023, 6, 1), "Verbal"),
        (Decimal("6000.01"), date(2023, 6, 1), "Ordinario"),
        (Decimal("10000"), date(2024, 3, 19), "Ordinario"),  # the day before RDL 6/2023
        (Decimal("10000"), date(2024, 3, 20), "Verbal"),  # in force
        (Decimal("15000"), date(2025, 1, 1), "Verbal"),  # "up to" 15,000 includes it
        (15000.01, date(2025, 1, 1), "Ordinario"),
        (0, date(2025, 1, 1), "Verbal"),
        (None, date(2025, 1, 1), "Ordinario"),  # indeterminate amount
    ],
)
def test_procedure_follows_the_threshold_in_force_on_the_filing_date(
    cuantia, filed, expected
) -> None:
    assert procedures.procedimiento_for(cuantia, filed) == expected


def test_thresholds() -> None:
    assert procedures.verbal_threshold(date(2020, 1, 1)) == Decimal(6000)
    assert procedures.verbal_threshold(date(2024, 3, 20)) == Decimal(15000)


def _median_days(name: str, path: list[str]) -> int:
    proc = procedures.get(name)
    moves = {(t.source, t.target): t for t in proc.transitions}
    return sum(moves[(a, b)].median_days for a, b in itertools.pairwise(path))


def test_delays_are_calibrated_to_cgpj_durations() -> None:
    """Filing to judgment along the usual path: a Verbal about 7.3 months (CGPJ), an Ordinario
    longer."""
    verbal = _median_days(
        "Verbal", ["demanda", "admision_a_tramite", "contestacion", "vista", "sentencia"]
    )
    ordinario = _median_days(
        "Ordinario",
        [
            "demanda",
            "admision_a_tramite",
            "contestacion",
            "audiencia_previa",
            "juicio",
            "sentencia",
        ],
    )
    month = 365.25 / 12
    assert 6.5 <= verbal / month <= 8.0
    assert ordinario > verbal
    assert ordinario / month <= 14


def _committed_text() -> str:
    return resources.files("expedientes").joinpath("procedures.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        (
            "{from: juicio, to: sentencia, probability: 0.83",
            "{from: juicio, to: sentencia, probability: 0.5",
            "sum to",
        ),
        ("{from: firmeza, to: archivo,", "{from: firmeza, to: demanda,", "backwards"),
        ("{from: vista, to: acuerdo,", "{from: vista, to: casacion,", "unknown state"),
        (
            "- {name: archivo, order: 14, kind: terminal",
            "- {name: archivo, order: 14, kind: final",
            "unknown kind",
        ),
    ],
)
def test_an_inconsistent_definition_is_refused(old: str, new: str, complaint: str) -> None:
    text = _committed_text()
    assert old in text
    with pytest.raises(procedures.DefinitionError, match=complaint):
        procedures.parse_definition(text.replace(old, new, 1))


def test_unknown_procedure_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="Ordinario, Verbal"):
        procedures.get("Monitorio")
