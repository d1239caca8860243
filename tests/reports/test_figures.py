"""The coordinator's key figures: counts over seeded data, small numbers protected, exports."""

import csv
import html
import io
import re
import secrets
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.models import Conversation
from core.db import get_sessionmaker, utcnow
from core.settings import Settings
from intake.models import IntakeStatistic, PreIntakeRecord
from intake.service import delete_expired_records
from reports.figures import (
    HIDDEN,
    SMALL,
    VISIBLE,
    Breakdown,
    Cell,
    Filters,
    Group,
    compute,
    default_filters,
    protect,
    sections,
    to_csv,
)
from scheduler.bookings import cancel_booking, mark_attended, mark_no_show
from scheduler.followups import record_feedback
from scheduler.models import Booking, CaseManager, County, Municipality
from scheduler.schemas import read_county_config
from scheduler.service import load_county
from tests.support.staff import ANSWERS, StaffBrowser, book, make_user

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday in March 2026: the slots booked from here all lie in March.
MARCH = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
MARCH_FILTER = Filters(date(2026, 3, 1), date(2026, 3, 31))
# Conversations of a year nobody else writes to: the page must show exactly these.
QUIET_YEAR = 2021
STEINHEIM_WAITS = [2, 4, 6, 8, 20]
HOEXTER_WAITS = [1, 3, 5, 7]


def breakdown(values: dict[str, int], total: Cell | None = None) -> Breakdown:
    cells = [Group(key, key, Cell(value)) for key, value in values.items()]
    return Breakdown(cells, total or Cell(sum(values.values())), fixed=True)


def states(b: Breakdown) -> dict[str, str]:
    return {group.key: group.cell.state for group in b.groups}


def place_key(figures, label: str) -> str:  # type: ignore[no-untyped-def]
    return next(group.key for group in figures.by_place.groups if group.label == label)


# --- The protection rules -------------------------------------------------------------------


def test_counts_below_five_are_small_and_five_is_shown() -> None:
    languages = breakdown({"ar": 5, "fa": 4, "uk": 1})
    protect(languages.total, [languages])
    assert states(languages) == {"ar": VISIBLE, "fa": SMALL, "uk": SMALL}
    assert [languages.get(key).text for key in ("ar", "fa", "uk")] == ["5", "<5", "<5"]
    assert languages.total.text == "10"
    # Two "<5" adding up to 5: each could still be anything from 1 to 4.


def test_a_single_small_cell_is_not_left_derivable_from_the_total() -> None:
    b = breakdown({"a": 6, "b": 4})
    protect(b.total, [b])
    assert b.total.shown
    assert states(b) == {"a": HIDDEN, "b": SMALL}
    assert b.get("a").text == "verdeckt"


def test_the_total_is_hidden_when_hiding_cells_is_not_enough() -> None:
    b = breakdown({"a": 5, "b": 1})
    protect(b.total, [b])
    assert (b.total.state, b.get("a").state, b.get("b").state) == (HIDDEN, HIDDEN, SMALL)

    fours = breakdown({"a": 4, "b": 4})  # 8 = 4 + 4 would give both away
    protect(fours.total, [fours])
    assert fours.total.text == "verdeckt"


def test_tables_sharing_a_total_are_protected_together() -> None:
    total = Cell(6)
    languages = breakdown({"ar": 5, "fa": 1}, total)
    channels = breakdown({"web": 6}, total)
    protect(total, [languages, channels])
    # Hiding the total alone would not do: the channel table would tell it.
    assert total.state == HIDDEN
    assert states(languages) == {"ar": HIDDEN, "fa": SMALL}
    assert states(channels) == {"web": HIDDEN}


def test_a_small_total_is_not_broken_down() -> None:
    b = breakdown({"a": 2, "b": 1})
    protect(b.total, [b])
    assert b.total.text == "<5"
    assert b.withheld
    assert {group.cell.text for group in b.groups} == {"verdeckt"}


# --- Seeded data: a county of our own ------------------------------------------------------


def _conversation(session: Session, conversation_id: str, started: datetime, **fields: str) -> None:
    session.add(
        Conversation(
            id=conversation_id,
            channel=fields.get("channel", "web"),
            language=fields.get("language", "ar"),
            language_origin="explicit",
            source=fields.get("source"),
            started_at=started,
            last_message_at=started,
        )
    )


def _started(booking: Booking, days_before: int) -> datetime:
    day = booking.starts_at.astimezone(BERLIN).date() - timedelta(days=days_before)
    return datetime.combine(day, time(10, 0), BERLIN).astimezone(UTC)


@pytest.fixture(scope="module")
def own_county(migrated_database: str, settings: Settings) -> County:
    """Höxter's config under another slug: figures of its own, whatever other tests book."""
    config = read_county_config(settings.counties_dir / "hoexter.yml").model_copy(
        update={"slug": f"figures-{uuid.uuid4().hex[:8]}", "name": "Kreis Kennzahl"}
    )
    with get_sessionmaker()() as session:
        county = load_county(session, config)
        session.commit()

        def manager(key: str) -> CaseManager:
            return session.scalar(
                select(CaseManager).where(
                    CaseManager.county_id == county.id, CaseManager.key == key
                )
            )

        referral = {**ANSWERS, "life_areas": ["housing"], "services_involved": ["jmd"]}
        steinheim = [book(session, county, manager("cm-steinheim"), MARCH) for _ in range(5)]
        hoexter = [
            book(session, county, manager("cm-hoexter"), MARCH, answers=referral) for _ in range(4)
        ]
        beverungen = book(session, county, manager("cm-beverungen"), MARCH)
        for booking, wait in zip(steinheim + hoexter, STEINHEIM_WAITS + HOEXTER_WAITS, strict=True):
            _conversation(session, booking.conversation_id, _started(booking, wait))
        _conversation(session, beverungen.conversation_id, _started(beverungen, 3))

        later = MARCH + timedelta(days=14)
        attended = [*steinheim[:3], *hoexter[:2]]
        for booking in attended:
            mark_attended(session, booking, later)
        mark_no_show(session, steinheim[3], later)
        cancel_booking(session, beverungen, MARCH, "resident")
        answers = [
            {"understood": "yes", "helpful": "yes", "recommend": "yes"},
            {"understood": "yes", "helpful": "yes", "recommend": "yes"},
            {"understood": "yes", "helpful": "yes", "recommend": "yes"},
            {"understood": "yes", "helpful": "yes", "recommend": "no"},
            {"understood": "yes", "helpful": "partly", "recommend": None},
        ]
        for booking, answer in zip(attended, answers, strict=True):
            record_feedback(session, booking, answer, date(2026, 3, 20))
        session.commit()
        return county


@pytest.fixture
def march(own_county: County, session: Session):  # type: ignore[no-untyped-def]
    county = session.merge(own_county)
    return compute(session, county, MARCH_FILTER)


def test_bookings_match_the_seeded_statuses(march) -> None:  # type: ignore[no-untyped-def]
    assert march.bookings.text == "10"
    shown = {group.key: group.cell.text for group in march.by_status.groups}
    # confirmed 3, attended 5, no_show 1, cancelled 1: only the five is shown.
    assert shown == {"confirmed": "<5", "attended": "5", "no_show": "<5", "cancelled": "<5"}
    assert [group.cell.value for group in march.by_status.groups] == [3, 5, 1, 1]
    assert march.by_status.share(march.by_status.get("attended")) == 50
    # Reasons of a count that is not shown are not shown either.
    assert march.cancel_reasons.withheld


def test_triage_outcomes_protect_the_referrals(march) -> None:  # type: ignore[no-untyped-def]
    outcome = {group.key: group.cell.text for group in march.by_outcome.groups}
    # 6 appointments and 4 referrals of 10: the 6 is hidden, or 10 - 6 would give the 4 away.
    assert outcome == {
        "information": "0",
        "referral": "<5",
        "kim_appointment": "verdeckt",
        "urgent": "0",
    }
    assert march.records.text == "10"
    assert march.by_service.withheld
    assert march.by_outcome.get("referral").value == 4


def test_waiting_time_per_municipality(march) -> None:  # type: ignore[no-untyped-def]
    waits = {wait.label: wait for wait in march.waiting}
    assert set(waits) == {"Steinheim", "Höxter"}  # the cancelled booking has no waiting time
    assert (waits["Steinheim"].n, waits["Steinheim"].median, waits["Steinheim"].p90) == (
        5, 6.0, pytest.approx(15.2),
    )  # fmt: skip
    assert not waits["Höxter"].shown
    assert waits["Höxter"].median is None
    everyone = march.waiting_all
    assert (everyone.n, everyone.median, everyone.p90) == (9, 5.0, pytest.approx(10.4))


def test_life_areas_by_municipality(march) -> None:  # type: ignore[no-untyped-def]
    rows = [group.label for group in march.by_place.groups]
    assert "Steinheim" in rows and "Höxter" in rows and "ohne Termin" not in rows
    housing = {g.label: g.cell.text for g in march.life_areas["housing"].groups if g.cell.value}
    assert housing == {"Steinheim": "5", "Höxter": "<5", "Beverungen": "<5"}
    assert march.life_areas["housing"].total.text == "10"
    # Language: Steinheim 5 and Beverungen 1 of 6. Hiding the 5 is not enough (6 - 5 = 1):
    # the column total goes too.
    language = march.life_areas["language"]
    assert (language.total.text, language.get(place_key(march, "Steinheim")).text) == (
        "verdeckt", "verdeckt",
    )  # fmt: skip
    assert language.get(place_key(march, "Beverungen")).text == "<5"
    assert march.life_areas["health"].total.text == "0"


def test_feedback_shares_only_from_five_answers(march) -> None:  # type: ignore[no-untyped-def]
    understood = march.feedback["understood"]
    assert understood.total.text == "5"
    assert understood.get("yes").text == "5"
    assert understood.share(understood.get("yes")) == 100
    helpful = march.feedback["helpful"]  # 4 yes, 1 partly
    assert (helpful.get("yes").text, helpful.get("partly").text) == ("<5", "<5")
    assert helpful.share(helpful.get("yes")) is None
    recommend = march.feedback["recommend"]  # 4 answers, one skipped
    assert recommend.total.text == "<5"
    assert recommend.withheld


def test_municipality_filter(own_county: County, session: Session) -> None:
    county = session.merge(own_county)
    steinheim = session.scalar(
        select(Municipality).where(
            Municipality.county_id == county.id, Municipality.slug == "steinheim"
        )
    )
    figures = compute(session, county, Filters(MARCH_FILTER.start, MARCH_FILTER.end, steinheim))
    assert figures.bookings.value == 5
    assert [wait.label for wait in figures.waiting] == ["Steinheim"]
    assert figures.waiting_all is None
    assert [group.label for group in figures.by_place.groups] == ["Steinheim"]
    assert figures.records.value == 5
    assert figures.feedback["understood"].total.value == 3
    # Conversations have no place of residence: the filter does not apply to them.
    unfiltered = compute(session, county, MARCH_FILTER)
    assert figures.conversations.value == unfiltered.conversations.value


def test_figures_equal_counts_in_the_database(county: County, session: Session) -> None:
    """The served county, whatever other tests seeded: raw values equal plain counts."""
    county = session.merge(county)
    filters = default_filters(county, utcnow())
    figures = compute(session, county, filters)
    start = datetime.combine(filters.start, time(0), BERLIN)
    end = datetime.combine(filters.end + timedelta(days=1), time(0), BERLIN)
    bookings = Counter(
        session.scalars(
            select(Booking.status).where(
                Booking.county_id == county.id, Booking.starts_at >= start, Booking.starts_at < end
            )
        )
    )
    assert figures.bookings.value == sum(
        bookings[s] for s in ("confirmed", "attended", "no_show", "cancelled")
    )
    for group in figures.by_status.groups:
        assert group.cell.value == bookings[group.key]
    # Screenings are counted from the anonymous statistics (records may be gone already).
    screenings = session.scalar(
        select(func.count())
        .select_from(IntakeStatistic)
        .where(
            IntakeStatistic.county_id == county.id,
            IntakeStatistic.month >= filters.start.replace(day=1),
            IntakeStatistic.month <= filters.end,
        )
    )
    assert figures.records.value == screenings
    conversations = session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.started_at >= start, Conversation.started_at < end)
    )
    assert figures.conversations.value == conversations


# --- The page, the CSV and the PDF of the served county ------------------------------------


@pytest.fixture(scope="module")
def quiet_year(county: County) -> None:
    """10 conversations in 2021: Arabic 5, Persian 4, Ukrainian 1."""
    started = datetime(QUIET_YEAR, 5, 4, 9, 0, tzinfo=UTC)
    with get_sessionmaker()() as session:
        for language, count in (("ar", 5), ("fa", 4), ("uk", 1)):
            for _ in range(count):
                source = "rathaus-brakel" if language == "ar" else None
                _conversation(
                    session, secrets.token_hex(16), started, language=language, source=source
                )
        session.commit()


@pytest.fixture(scope="module")
def app(county: County):  # type: ignore[no-untyped-def]
    from api.main import app

    return app


@pytest.fixture(scope="module")
def coordinator(app, county: County) -> StaffBrowser:  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as session:
        return StaffBrowser(app, make_user(session, "coordinator"))


YEAR_QUERY = f"from={QUIET_YEAR}-01-01&to={QUIET_YEAR}-12-31"


def table_rows(page: str, key: str) -> dict[str, list[str]]:
    table = re.search(rf'<table class="figures" id="table-{key}">(.*?)</table>', page, re.S)
    assert table, f"no table {key}"
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table.group(1), re.S)
    return {
        html.unescape(label): [
            html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells)
        ]
        for label, cells in rows
    }


def test_the_page_shows_the_figures_with_small_numbers_protected(
    coordinator: StaffBrowser, quiet_year: None
) -> None:
    response = coordinator.get(f"/staff/figures?{YEAR_QUERY}")
    assert response.status_code == 200
    page = response.text
    languages = table_rows(page, "sprache")
    assert languages["Arabisch"] == ["5", "50,0"]
    assert languages["Persisch (Farsi, Dari)"] == ["<5", ""]
    assert languages["Ukrainisch"] == ["<5", ""]
    assert languages["Gespräche insgesamt"] == ["10", "100,0"]
    assert "4" not in [cell for cells in languages.values() for cell in cells]
    assert table_rows(page, "herkunft") == {
        "rathaus-brakel": ["5", "50,0"],
        "ohne QR-Code": ["5", "50,0"],
        "Gespräche insgesamt": ["10", "100,0"],
    }
    assert table_rows(page, "kanal")["Web-Chat"] == ["10", "100,0"]
    assert "Der Gemeinde-Filter gilt nicht für die Gespräche" in page


def test_the_page_is_accessible(coordinator: StaffBrowser, quiet_year: None) -> None:
    page = coordinator.get(f"/staff/figures?{YEAR_QUERY}").text
    assert page.count("<h1>") == 1
    assert '<html lang="de"' in page
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page
    svgs = re.findall(r"<svg [^>]*>", page)
    assert svgs, "no chart"
    for svg in svgs:
        assert 'role="img"' in svg and "aria-label=" in svg
    assert page.count("<title>") == len(svgs) + 1  # one per chart, one for the page
    tables = page.count("<table")
    assert page.count("<caption") == tables
    assert '<th scope="col">' in page and '<th scope="row">' in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids must be unique on the page"
    assert "cdn" not in page.lower() and "<script" not in page


def test_csv_export(coordinator: StaffBrowser, quiet_year: None) -> None:
    response = coordinator.get(f"/staff/figures.csv?{YEAR_QUERY}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Kennzahl", "Gruppe", "Merkmal", "Wert"]
    assert all(len(row) == 4 for row in rows)
    assert ["Gespräche nach Sprache", "Arabisch", "Anzahl", "5"] in rows
    assert ["Gespräche nach Sprache", "Persisch (Farsi, Dari)", "Anzahl", "<5"] in rows
    assert ["Gespräche nach Sprache", "Gespräche insgesamt", "Anzahl", "10"] in rows
    persian = [row for row in rows if row[1] == "Persisch (Farsi, Dari)"]
    assert persian == [["Gespräche nach Sprache", "Persisch (Farsi, Dari)", "Anzahl", "<5"]]


def test_csv_keeps_spreadsheet_formulas_out(march) -> None:  # type: ignore[no-untyped-def]
    march.by_source.groups[0].label = "=HYPERLINK(1)"
    march.by_source.groups[0].cell.state = VISIBLE
    text = to_csv(march, sections(march)).decode("utf-8-sig")
    assert ";'=HYPERLINK(1);" in text
    assert ";=HYPERLINK" not in text


def test_yearly_report_pdf(coordinator: StaffBrowser) -> None:
    response = coordinator.get("/staff/figures/report.pdf?year=2026")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", response.content))
    assert pages >= 2
    assert coordinator.get("/staff/figures/report.pdf?year=1999").status_code == 400


def test_filters_by_municipality_on_the_page(
    coordinator: StaffBrowser, county: County, session: Session
) -> None:
    """Bookings of the served county in January 2026 in Steinheim, counted on the page."""
    county = session.merge(county)
    manager = session.scalar(
        select(CaseManager).where(
            CaseManager.county_id == county.id, CaseManager.key == "cm-steinheim"
        )
    )
    january = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    for _ in range(5):
        book(session, county, manager, january)
    steinheim = session.scalar(
        select(Municipality).where(
            Municipality.county_id == county.id, Municipality.slug == "steinheim"
        )
    )
    start = datetime(2026, 1, 1, tzinfo=BERLIN)
    end = datetime(2026, 2, 1, tzinfo=BERLIN)
    statuses = Counter(
        session.scalars(
            select(Booking.status).where(
                Booking.county_id == county.id,
                Booking.municipality_id == steinheim.id,
                Booking.starts_at >= start,
                Booking.starts_at < end,
            )
        )
    )
    booked = sum(statuses[s] for s in ("confirmed", "attended", "no_show", "cancelled"))
    assert booked >= 5
    page = coordinator.get(
        "/staff/figures?from=2026-01-01&to=2026-01-31&municipality=steinheim"
    ).text
    status = table_rows(page, "status")
    assert status["Buchungen insgesamt"][0] == str(booked)
    assert status["gebucht (offen oder nicht erfasst)"][0] in (
        str(statuses["confirmed"]), "<5", "verdeckt",
    )  # fmt: skip
    assert '<option value="steinheim" selected>' in page
    unknown = coordinator.get("/staff/figures?municipality=atlantis&from=kaputt")
    assert unknown.status_code == 200
    assert "Diese Gemeinde gibt es nicht" in unknown.text


def test_who_may_open_the_figures(app, county: County, session: Session) -> None:  # type: ignore[no-untyped-def]
    admin = StaffBrowser(app, make_user(session, "admin"))
    assert admin.get("/staff/figures").status_code == 200
    assert admin.get("/staff/figures.csv").status_code == 200
    manager = session.scalar(select(CaseManager).where(CaseManager.county_id == county.id))
    caseworker = StaffBrowser(app, make_user(session, "caseworker", manager))
    assert caseworker.get("/staff/figures").status_code == 403
    assert caseworker.get("/staff/figures.csv").status_code == 403
    assert caseworker.get("/staff/figures/report.pdf").status_code == 403
    anonymous = StaffBrowser(app)
    response = anonymous.get("/staff/figures")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login")
    assert anonymous.get("/staff/figures.csv", headers={"accept": "text/csv"}).status_code == 401


def test_the_figures_outlive_the_deleted_records(own_county, session) -> None:  # type: ignore[no-untyped-def]
    """Records go 30 days after the appointment; the anonymous statistics stay for the report."""
    county = session.merge(own_county)
    before = compute(session, county, MARCH_FILTER)
    assert delete_expired_records(session, utcnow()) >= 10
    assert not session.scalar(
        select(func.count())
        .select_from(PreIntakeRecord)
        .where(PreIntakeRecord.county_id == county.id)
    )
    after = compute(session, county, MARCH_FILTER)
    assert after.records.text == before.records.text == "10"
    assert after.by_outcome.get("referral").value == 4
    assert after.life_areas["housing"].total.text == "10"
    session.rollback()
