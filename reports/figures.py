"""Key figures ("Kennzahlen") of the served county: counts, waiting times and feedback.

Read-only: nothing here writes to the database. Every figure is an aggregate over a period and,
where the data knows a place of residence, one municipality. The coordination office never sees
a record's contents; the life areas are counted from the encrypted records on the server.

Protection of small numbers (statistische Geheimhaltung), applied to the page, the CSV export
and the PDF report alike:

* Primary: a count of 1 to 4 is shown as "<5". A 0 is shown: nobody is behind it.
* Secondary: no "<5" may be worked out from the numbers that are shown, neither from a total
  minus the other cells nor from other tables splitting the same total (conversations by
  language, by source office and by channel share one total; records by outcome and by place
  of residence another). For every "<5" the values still consistent with everything shown are
  computed: a "<5" lies in 1..4, a further hidden cell ("verdeckt") in 5..the smallest cell still
  shown in its table, because the smallest are hidden first, and a hidden total in 5..infinity.
  While a "<5" is narrowed down to a single value, the smallest shown cell of its table is
  hidden, then the total itself, then cells of the other tables sharing that total; if even that
  does not help, the table is not broken down at all.
* A total below 5 is not broken down. A breakdown of a cell that is not shown (referrals by
  service under a hidden referral count, cancellations by reason) is withheld.
* Percentages only of totals of at least 5; medians and 90th percentiles only of groups of at
  least 5.
"""

import csv
import io
import math
import re
import statistics
import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib
from markupsafe import escape
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.table import Table as MplTable
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.models import Conversation
from i18n.languages import LANGUAGES
from intake.models import IntakeStatistic
from intake.screening import FIELDS
from intake.service import triage_config
from intake.triage import OUTCOME_LABELS_DE
from scheduler.followups import FEEDBACK_ANSWERS, FEEDBACK_QUESTIONS
from scheduler.models import Booking, County, FeedbackResponse, Municipality

# No display, no pyplot: figures are drawn into memory (SVG for the page, PDF for the report).
matplotlib.use("Agg")

THRESHOLD = 5
SMALL_TEXT = "<5"
HIDDEN_TEXT = "verdeckt"

VISIBLE, SMALL, HIDDEN = "visible", "small", "hidden"

NO_SOURCE = "ohne QR-Code"
NO_BOOKING = "ohne Termin"
NO_MUNICIPALITY = "Wohnort unbekannt"
ALL_MUNICIPALITIES = "Alle Gemeinden"

# Bookings proper; held, released and expired rows are reservations that never became one.
BOOKED_STATES = ("confirmed", "attended", "no_show", "cancelled")
STATUSES_DE = {
    "confirmed": "gebucht (offen oder nicht erfasst)",
    "attended": "wahrgenommen",
    "no_show": "nicht erschienen",
    "cancelled": "abgesagt",
}
# scheduler.bookings.cancel_booking's reasons, as its callers give them.
CANCEL_REASONS = ("resident", "staff", "rescheduled", "deleted_on_request")
CANCEL_REASONS_DE = {
    "resident": "von der Person abgesagt",
    "staff": "vom Case Management abgesagt",
    "rescheduled": "umgebucht",
    "deleted_on_request": "Daten auf Wunsch gelöscht",
    "": "ohne Angabe",
}
CHANNELS_DE = {
    "web": "Web-Chat",
    "whatsapp": "WhatsApp",
    "sms": "SMS",
    "telegram": "Telegram",
    "facebook": "Facebook Messenger",
}
# The questions as residents read them on the feedback form (api/templates/feedback.html).
QUESTIONS_DE = {
    "understood": "Haben Sie alles gut verstanden?",
    "helpful": "Hat Ihnen das Gespräch geholfen?",
    "recommend": "Würden Sie das Integrations-Management Freunden empfehlen?",
}
ANSWERS_DE = {"yes": "ja", "partly": "teilweise", "no": "nein"}
UNKNOWN_SERVICE = "Fachdienst unbekannt"

MUNICIPALITY_FILTER_NOTE = (
    "Der Gemeinde-Filter gilt nicht für die Gespräche: ein Gespräch kennt keinen Wohnort. "
    "Bei den Vorbereitungsbögen zählen mit Gemeinde-Auswahl nur Bögen mit Termin."
)
RECORDS_NOTE = (
    "Vorbereitungsbögen werden 30 Tage nach dem Termin gelöscht. Gezählt wird aus einer "
    "anonymen Statistik, die bei jedem Bogen entsteht (nur Monat, Ort, Ergebnis, "
    "Lebensbereiche): Bögen werden nach ganzen Monaten gezählt."
)
PROTECTION_NOTE = (
    f"Zum Schutz der Personen: Zahlen von 1 bis 4 stehen als „{SMALL_TEXT}“. "
    f"„{HIDDEN_TEXT}“ heißt: die Zahl ist ausgeblendet, damit sich kleine Zahlen nicht aus "
    "Summen errechnen lassen. Anteile, Mediane und 90-%-Werte gibt es nur für Gruppen mit "
    "mindestens 5 Fällen."
)


# --- Protection of small numbers ----------------------------------------------------------


@dataclass
class Cell:
    value: int
    state: str = VISIBLE

    @property
    def shown(self) -> bool:
        return self.state == VISIBLE

    @property
    def text(self) -> str:
        if self.state == VISIBLE:
            return str(self.value)
        return SMALL_TEXT if self.state == SMALL else HIDDEN_TEXT


@dataclass
class Group:
    key: str
    label: str
    cell: Cell


@dataclass
class Breakdown:
    """A total split into groups: each thing counted lies in exactly one group."""

    groups: list[Group]
    total: Cell
    # Shown in this order (fixed categories); otherwise by size, protected groups last.
    fixed: bool = False
    withheld: bool = False

    def get(self, key: str) -> Cell:
        return next(group.cell for group in self.groups if group.key == key)

    def share(self, cell: Cell) -> float | None:
        """Percent of the total, only where both are shown and the total is at least 5."""
        if not (cell.shown and self.total.shown and self.total.value >= THRESHOLD):
            return None
        return 100 * cell.value / self.total.value

    def order(self) -> None:
        if not self.fixed:
            self.groups.sort(
                key=lambda g: (not g.cell.shown, -g.cell.value if g.cell.shown else 0, g.label)
            )


def _bounds(cell: Cell, cap: float = math.inf) -> tuple[float, float]:
    """The values someone who knows these rules can still think possible for a cell."""
    if cell.state == VISIBLE:
        return cell.value, cell.value
    if cell.state == SMALL:
        return 1, THRESHOLD - 1
    return THRESHOLD, cap


def _cell_bounds(breakdown: Breakdown) -> list[tuple[Cell, float, float]]:
    # The smallest shown cells are hidden first: a hidden cell is at most the smallest shown.
    cap = min(
        (g.cell.value for g in breakdown.groups if g.cell.shown and g.cell.value), default=math.inf
    )
    return [(g.cell, *_bounds(g.cell, cap)) for g in breakdown.groups]


def _pinned(total: Cell, breakdowns: list[Breakdown]) -> Breakdown | None:
    """The first breakdown with a "<5" that everything shown narrows to a single value."""
    active = [b for b in breakdowns if not b.withheld]
    bounds = [_cell_bounds(b) for b in active]
    low_total, high_total = _bounds(total)
    for cells in bounds:
        low_total = max(low_total, sum(low for _, low, _ in cells))
        high_total = min(high_total, sum(high for _, _, high in cells))
    for breakdown, cells in zip(active, bounds, strict=True):
        for index, (cell, low, high) in enumerate(cells):
            if cell.state != SMALL:
                continue
            others_low = sum(c[1] for i, c in enumerate(cells) if i != index)
            others_high = sum(c[2] for i, c in enumerate(cells) if i != index)
            if min(high, high_total - others_low) - max(low, low_total - others_high) < 1:
                return breakdown
    return None


def _smallest_shown(breakdown: Breakdown) -> Cell | None:
    cells = [g.cell for g in breakdown.groups if g.cell.shown and g.cell.value > 0]
    return min(cells, key=lambda cell: cell.value, default=None)


def protect(total: Cell, breakdowns: list[Breakdown]) -> None:
    """Primary and secondary suppression of one total and the breakdowns that split it."""
    total.state = SMALL if 0 < total.value < THRESHOLD else VISIBLE
    for breakdown in breakdowns:
        breakdown.withheld = total.state == SMALL
        for group in breakdown.groups:
            group.cell.state = SMALL if 0 < group.cell.value < THRESHOLD else VISIBLE
    while (pinned := _pinned(total, breakdowns)) is not None:
        if (cell := _smallest_shown(pinned)) is not None:
            cell.state = HIDDEN
        elif total.state == VISIBLE:
            total.state = HIDDEN
        else:
            others = [
                (smallest.value, index)
                for index, b in enumerate(breakdowns)
                if b is not pinned and not b.withheld and (smallest := _smallest_shown(b))
            ]
            if others:
                _smallest_shown(breakdowns[min(others)[1]]).state = HIDDEN  # type: ignore[union-attr]
            else:
                pinned.withheld = True
    for breakdown in breakdowns:
        if breakdown.withheld:
            for group in breakdown.groups:
                group.cell.state = HIDDEN
        breakdown.order()


def protect_part(parent: Cell, breakdown: Breakdown) -> None:
    """A breakdown of one cell of another table: only when that cell is shown."""
    probe = Cell(parent.value)
    if parent.shown:
        protect(probe, [breakdown])
    if not parent.shown or not probe.shown:
        breakdown.withheld = True
        for group in breakdown.groups:
            group.cell.state = HIDDEN
    breakdown.total = parent
    breakdown.order()


def _breakdown(
    counts: dict[str, int],
    label: Callable[[str], str],
    total: Cell,
    fixed: Iterable[str] | None = None,
) -> Breakdown:
    keys = list(fixed or [])
    keys += sorted(key for key in counts if key not in keys)
    groups = [Group(key, label(key), Cell(counts.get(key, 0))) for key in keys]
    return Breakdown(groups, total, fixed=fixed is not None)


# --- The figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    start: date  # first local day, inclusive
    end: date  # last local day, inclusive
    municipality: Municipality | None = None


def year_filters(year: int) -> Filters:
    return Filters(date(year, 1, 1), date(year, 12, 31))


def default_filters(county: County, now: datetime) -> Filters:
    """The current calendar year in the county's time zone."""
    return year_filters(now.astimezone(ZoneInfo(county.timezone)).year)


def municipalities(session: Session, county: County) -> list[Municipality]:
    return list(
        session.scalars(
            select(Municipality)
            .where(Municipality.county_id == county.id)
            .order_by(Municipality.name)
        )
    )


@dataclass
class Waiting:
    """Days from the first message in the chat to the appointment, for one group."""

    label: str
    n: int
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, label: str, days: list[int]) -> "Waiting":
        if len(days) < THRESHOLD:
            return cls(label, len(days))
        p90 = statistics.quantiles(days, n=10, method="inclusive")[-1]
        return cls(label, len(days), float(statistics.median(days)), p90)

    @property
    def shown(self) -> bool:
        return self.n >= THRESHOLD


@dataclass
class Figures:
    county: str
    filters: Filters
    conversations: Cell
    by_language: Breakdown
    by_source: Breakdown
    by_channel: Breakdown
    records: Cell
    by_outcome: Breakdown
    by_service: Breakdown
    # Records by the place of residence of their booking; the rows of the life-area table.
    by_place: Breakdown
    # Per life area: its records split by place (rows in by_place's order).
    life_areas: dict[str, Breakdown]
    life_area_labels: dict[str, str]
    bookings: Cell
    by_status: Breakdown
    cancel_reasons: Breakdown
    waiting: list[Waiting]
    waiting_all: Waiting | None
    feedback: dict[str, Breakdown] = field(default_factory=dict)

    @property
    def municipality(self) -> str:
        return self.filters.municipality.name if self.filters.municipality else ALL_MUNICIPALITIES


def _utc_bounds(county: County, filters: Filters) -> tuple[datetime, datetime]:
    zone = ZoneInfo(county.timezone)
    start = datetime.combine(filters.start, time(0), zone).astimezone(UTC)
    end = datetime.combine(filters.end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def _count_by(session: Session, column: Any, *where: Any) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).where(*where).group_by(column))
    return {key or "": count for key, count in rows}


def _conversations(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    # Conversations have no county (one deployment serves one county) and no residence.
    where = (Conversation.started_at >= start, Conversation.started_at < end)
    by_language = _count_by(session, Conversation.language, *where)
    total = Cell(sum(by_language.values()))
    language = _breakdown(
        by_language, lambda code: LANGUAGES[code].german_name if code in LANGUAGES else code, total
    )
    source = _breakdown(
        _count_by(session, Conversation.source, *where), lambda key: key or NO_SOURCE, total
    )
    channel = _breakdown(
        _count_by(session, Conversation.channel, *where),
        lambda key: CHANNELS_DE.get(key, key),
        total,
    )
    protect(total, [language, source, channel])
    return {
        "conversations": total,
        "by_language": language,
        "by_source": source,
        "by_channel": channel,
    }


def _records(
    session: Session,
    county: County,
    filters: Filters,
    names: dict[int, str],
) -> dict[str, Any]:
    """Screenings by outcome, service, place and life area, from the anonymous statistics
    (they outlive the records, which are deleted 30 days after the appointment)."""
    query = select(IntakeStatistic).where(
        IntakeStatistic.county_id == county.id,
        IntakeStatistic.month >= filters.start.replace(day=1),
        IntakeStatistic.month <= filters.end,
    )
    if filters.municipality is not None:
        query = query.where(IntakeStatistic.municipality_id == filters.municipality.id)

    outcomes: Counter[str] = Counter()
    services: Counter[str] = Counter()
    places: Counter[str] = Counter()
    areas: dict[str, Counter[str]] = defaultdict(Counter)
    for row in session.scalars(query):
        place = str(row.municipality_id or "unknown") if row.booked else "none"
        outcomes[row.outcome] += 1
        places[place] += 1
        if row.outcome == "referral":
            services[row.service or "unknown"] += 1
        for code in filter(None, row.life_areas.split(",")):
            areas[code][place] += 1

    total = Cell(sum(outcomes.values()))
    by_outcome = _breakdown(
        outcomes, lambda key: OUTCOME_LABELS_DE.get(key, key), total, OUTCOME_LABELS_DE
    )

    def place_label(key: str) -> str:
        if key == "none":
            return NO_BOOKING
        if key == "unknown":
            return NO_MUNICIPALITY
        return names.get(int(key), key)

    shown_places = (
        [str(filters.municipality.id)]
        if filters.municipality is not None
        else [str(i) for i in names]
    )
    shown_places += [key for key in ("unknown", "none") if places.get(key)]
    by_place = _breakdown(places, place_label, total, shown_places)
    protect(total, [by_outcome, by_place])

    def service_label(key: str) -> str:
        return UNKNOWN_SERVICE if key == "unknown" else key

    known = [service.name for service in triage_config(county).services.values()]
    by_service = _breakdown(services, service_label, Cell(0), known)
    protect_part(by_outcome.get("referral"), by_service)

    labels = dict(FIELDS["life_areas"][1])
    labels |= {code: code for code in sorted(areas) if code not in labels}
    life_areas: dict[str, Breakdown] = {}
    for code in labels:
        counts = areas.get(code, Counter())
        column = Breakdown(
            [Group(g.key, g.label, Cell(counts.get(g.key, 0))) for g in by_place.groups],
            Cell(sum(counts.values())),
            fixed=True,
        )
        protect(column.total, [column])
        life_areas[code] = column
    return {
        "records": total,
        "by_outcome": by_outcome,
        "by_service": by_service,
        "by_place": by_place,
        "life_areas": life_areas,
        "life_area_labels": labels,
    }


def _conversation_starts(session: Session, ids: set[str]) -> dict[str, datetime]:
    starts: dict[str, datetime] = {}
    chunk = sorted(ids)
    for offset in range(0, len(chunk), 500):
        rows = session.execute(
            select(Conversation.id, Conversation.started_at).where(
                Conversation.id.in_(chunk[offset : offset + 500])
            )
        )
        starts.update({conversation_id: started for conversation_id, started in rows})
    return starts


def _bookings(
    session: Session,
    county: County,
    filters: Filters,
    start: datetime,
    end: datetime,
    names: dict[int, str],
) -> dict[str, Any]:
    query = select(
        Booking.status,
        Booking.cancel_reason,
        Booking.municipality_id,
        Booking.starts_at,
        Booking.conversation_id,
    ).where(
        Booking.county_id == county.id,
        Booking.status.in_(BOOKED_STATES),
        Booking.starts_at >= start,
        Booking.starts_at < end,
    )
    if filters.municipality is not None:
        query = query.where(Booking.municipality_id == filters.municipality.id)
    rows = session.execute(query).all()

    statuses = Counter(row.status for row in rows)
    total = Cell(len(rows))
    by_status = _breakdown(statuses, lambda key: STATUSES_DE.get(key, key), total, BOOKED_STATES)
    protect(total, [by_status])
    reasons = Counter(row.cancel_reason or "" for row in rows if row.status == "cancelled")
    cancel_reasons = _breakdown(
        reasons, lambda key: CANCEL_REASONS_DE.get(key, key), Cell(0), CANCEL_REASONS
    )
    protect_part(by_status.get("cancelled"), cancel_reasons)

    zone = ZoneInfo(county.timezone)
    kept = [row for row in rows if row.status != "cancelled"]
    first_contact = _conversation_starts(session, {row.conversation_id for row in kept})
    days: dict[int | None, list[int]] = defaultdict(list)
    for row in kept:
        first = first_contact.get(row.conversation_id)
        if first is None:  # the conversation was deleted on request
            continue
        wait = (row.starts_at.astimezone(zone).date() - first.astimezone(zone).date()).days
        days[row.municipality_id].append(max(wait, 0))
    order = sorted(
        days, key=lambda key: (key is None, names.get(key, "") if key is not None else "")
    )
    waiting = [
        Waiting.of(names.get(key, str(key)) if key is not None else NO_MUNICIPALITY, days[key])
        for key in order
    ]
    everyone = [wait for values in days.values() for wait in values]
    waiting_all = (
        Waiting.of(ALL_MUNICIPALITIES, everyone)
        if filters.municipality is None and everyone
        else None
    )
    return {
        "bookings": total,
        "by_status": by_status,
        "cancel_reasons": cancel_reasons,
        "waiting": waiting,
        "waiting_all": waiting_all,
    }


def _feedback(session: Session, county: County, filters: Filters) -> dict[str, Breakdown]:
    query = select(FeedbackResponse).where(
        FeedbackResponse.county_id == county.id,
        FeedbackResponse.submitted_month >= filters.start.replace(day=1),
        FeedbackResponse.submitted_month <= filters.end,
    )
    if filters.municipality is not None:
        query = query.where(FeedbackResponse.municipality_id == filters.municipality.id)
    responses = session.scalars(query).all()
    questions: dict[str, Breakdown] = {}
    for question in FEEDBACK_QUESTIONS:
        answers = Counter(
            getattr(response, question)
            for response in responses
            if getattr(response, question) in FEEDBACK_ANSWERS
        )
        total = Cell(sum(answers.values()))
        breakdown = _breakdown(answers, ANSWERS_DE.__getitem__, total, FEEDBACK_ANSWERS)
        protect(total, [breakdown])
        questions[question] = breakdown
    return questions


def compute(session: Session, county: County, filters: Filters) -> Figures:
    """Every figure of the dashboard for one period and municipality, already protected."""
    start, end = _utc_bounds(county, filters)
    names = {m.id: m.name for m in municipalities(session, county)}
    return Figures(
        county=county.name,
        filters=filters,
        **_conversations(session, start, end),
        **_records(session, county, filters, names),
        **_bookings(session, county, filters, start, end, names),
        feedback=_feedback(session, county, filters),
    )


# --- What the page, the CSV and the PDF show ------------------------------------------------


@dataclass
class Series:
    name: str
    values: list[float | None]  # None: not shown (protected), no bar
    labels: list[str]  # written next to each bar


@dataclass
class Chart:
    key: str
    title: str
    categories: list[str]
    series: list[Series]
    unit: str

    @property
    def description(self) -> str:
        kind = "Balkendiagramm" if len(self.series) == 1 else "Gruppiertes Balkendiagramm"
        return f"{kind}: {self.title}. Die Zahlen stehen auch in der Tabelle darunter."


@dataclass
class Table:
    key: str
    caption: str
    header: list[str]  # the first names the column of row headers
    rows: list[tuple[str, list[str]]]
    footer: list[tuple[str, list[str]]] = field(default_factory=list)
    note: str = ""  # said instead of, or below, the rows


@dataclass
class Panel:
    key: str
    title: str
    chart: Chart | None
    table: Table


@dataclass
class Section:
    key: str
    title: str
    notes: list[str]
    panels: list[Panel]


@dataclass
class Card:
    label: str
    value: str


MAX_BARS = 15


def number(value: float) -> str:
    """Days in German notation: 12 or 12,5."""
    value = round(value, 1)
    return str(int(value)) if value == int(value) else f"{value:.1f}".replace(".", ",")


def percent(value: float) -> str:
    """A share with one decimal, German notation: 50,0."""
    return f"{value:.1f}".replace(".", ",")


def _withheld_note(breakdown: Breakdown) -> str:
    if breakdown.total.value == 0 and breakdown.total.shown:
        return "Keine Fälle im Zeitraum."
    if breakdown.total.state == SMALL:
        return "Weniger als 5 Fälle: keine Aufteilung."
    return "Zum Schutz kleiner Zahlen nicht aufgeteilt."


def _breakdown_panel(
    key: str, title: str, caption: str, group: str, breakdown: Breakdown, total_label: str
) -> Panel:
    share = "Anteil in %"
    footer = [
        (total_label, [breakdown.total.text, "100,0" if breakdown.share(breakdown.total) else ""])
    ]
    if breakdown.withheld or breakdown.total.value == 0:
        table = Table(key, caption, [group, "Anzahl", share], [], footer, _withheld_note(breakdown))
        return Panel(key, title, None, table)
    rows = []
    for g in breakdown.groups:
        part = breakdown.share(g.cell)
        rows.append((g.label, [g.cell.text, percent(part) if part is not None else ""]))
    groups = breakdown.groups[:MAX_BARS]
    chart_title = (
        caption if len(breakdown.groups) <= MAX_BARS else f"{caption} (die {MAX_BARS} größten)"
    )
    chart = Chart(
        key,
        chart_title,
        [g.label for g in groups],
        [
            Series(
                "Anzahl",
                [g.cell.value if g.cell.shown else None for g in groups],
                [g.cell.text for g in groups],
            )
        ],
        "Anzahl",
    )
    if not any(g.cell.shown and g.cell.value for g in groups):
        chart = None  # nothing to draw: the table says it
    return Panel(key, title, chart, Table(key, caption, [group, "Anzahl", share], rows, footer))


def _life_area_panel(figures: Figures) -> Panel:
    labels = figures.life_area_labels
    caption = "Lebensbereiche mit Bedarf nach Wohnort (Anzahl der Bögen)"
    header = ["Wohnort", "Bögen", *labels.values()]
    places = figures.by_place
    footer = [
        (
            "Insgesamt",
            [figures.records.text, *(figures.life_areas[code].total.text for code in labels)],
        )
    ]
    if places.withheld or figures.records.value == 0:
        return Panel(
            "lebensbereiche",
            "Lebensbereiche mit Bedarf",
            None,
            Table("lebensbereiche", caption, header, [], footer, _withheld_note(places)),
        )
    rows = [
        (
            group.label,
            [
                group.cell.text,
                *(figures.life_areas[code].groups[index].cell.text for code in labels),
            ],
        )
        for index, group in enumerate(places.groups)
    ]
    totals = [figures.life_areas[code].total for code in labels]
    chart = Chart(
        "lebensbereiche",
        "Bögen mit Bedarf je Lebensbereich, alle Wohnorte zusammen",
        list(labels.values()),
        [
            Series(
                "Bögen",
                [cell.value if cell.shown else None for cell in totals],
                [cell.text for cell in totals],
            )
        ],
        "Anzahl der Bögen",
    )
    note = (
        "Eine Person kann mehrere Lebensbereiche nennen: die Spalten ergeben zusammen nicht die "
        "Zahl der Bögen."
    )
    return Panel(
        "lebensbereiche",
        "Lebensbereiche mit Bedarf",
        chart,
        Table("lebensbereiche", caption, header, rows, footer, note),
    )


def _waiting_panel(figures: Figures) -> Panel:
    header = ["Wohnort", "Median in Tagen", "90-%-Wert in Tagen"]
    caption = "Wartezeit vom ersten Kontakt bis zum Termin"

    def cells(wait: Waiting) -> list[str]:
        if not wait.shown:
            return [SMALL_TEXT, SMALL_TEXT]
        return [number(wait.median or 0), number(wait.p90 or 0)]

    rows = [(wait.label, cells(wait)) for wait in figures.waiting]
    footer = (
        [(figures.waiting_all.label, cells(figures.waiting_all))] if figures.waiting_all else []
    )
    note = (
        "Median: die Hälfte wartete höchstens so viele Tage. 90-%-Wert: 9 von 10 warteten "
        f"höchstens so viele Tage. „{SMALL_TEXT}“: weniger als 5 Termine, nicht ausgewertet."
    )
    if not rows:
        note = "Keine Termine im Zeitraum."
    shown = [wait for wait in figures.waiting if wait.shown]
    chart = None
    if rows:
        chart = Chart(
            "wartezeit",
            "Wartezeit in Tagen nach Wohnort: Median und 90-%-Wert",
            [wait.label for wait in figures.waiting],
            [
                Series(
                    "Median",
                    [wait.median if wait.shown else None for wait in figures.waiting],
                    [cells(wait)[0] for wait in figures.waiting],
                ),
                Series(
                    "90-%-Wert",
                    [wait.p90 if wait.shown else None for wait in figures.waiting],
                    [cells(wait)[1] for wait in figures.waiting],
                ),
            ],
            "Tage",
        )
        if not shown:
            chart = None
    return Panel(
        "wartezeit",
        "Wartezeit nach Wohnort",
        chart,
        Table("wartezeit", caption, header, rows, footer, note),
    )


def _feedback_panel(figures: Figures) -> Panel:
    answers = list(ANSWERS_DE)
    header = ["Frage", "Antworten"]
    for answer in answers:
        header += [ANSWERS_DE[answer], f"{ANSWERS_DE[answer]} in %"]
    rows = []
    for question, breakdown in figures.feedback.items():
        cells = [breakdown.total.text]
        for answer in answers:
            cell = breakdown.get(answer)
            part = breakdown.share(cell)
            if breakdown.total.value == 0:
                cells += ["–", "–"]
            else:
                cells += [cell.text, percent(part) if part is not None else ""]
        rows.append((QUESTIONS_DE[question], cells))

    def label(breakdown: Breakdown, answer: str) -> str:
        part = breakdown.share(breakdown.get(answer))
        if part is not None:
            return f"{percent(part)} %"
        return breakdown.get(answer).text if breakdown.total.value else "–"

    questions = list(figures.feedback.values())
    chart = Chart(
        "rueckmeldungen",
        "Antworten auf die drei Fragen nach dem Termin, Anteile in Prozent",
        [QUESTIONS_DE[question] for question in figures.feedback],
        [
            Series(
                ANSWERS_DE[answer],
                [b.share(b.get(answer)) for b in questions],
                [label(b, answer) for b in questions],
            )
            for answer in answers
        ],
        "Anteil in %",
    )
    if not any(b.total.shown and b.total.value >= THRESHOLD for b in figures.feedback.values()):
        chart = None
    note = (
        "Die Rückmeldungen sind anonym und kennen nur den Monat. Anteile nur bei mindestens 5 "
        "Antworten auf eine Frage."
    )
    caption = "Rückmeldungen nach dem Termin"
    return Panel(
        "rueckmeldungen",
        "Antworten je Frage",
        chart,
        Table("rueckmeldungen", caption, header, rows, [], note),
    )


def cards(figures: Figures) -> list[Card]:
    return [
        Card("Gespräche", figures.conversations.text),
        Card("Vorbereitungsbögen", figures.records.text),
        Card("Buchungen", figures.bookings.text),
        Card("Termine wahrgenommen", figures.by_status.get("attended").text),
    ]


def sections(figures: Figures) -> list[Section]:
    records_notes = [RECORDS_NOTE]
    if figures.filters.municipality is not None:
        records_notes.append("Mit Gemeinde-Auswahl zählen nur Bögen mit Termin.")
    return [
        Section(
            "gespraeche",
            "Gespräche",
            [
                "Gespräche, die im Zeitraum begonnen haben.",
                "Der Gemeinde-Filter gilt hier nicht: ein Gespräch kennt keinen Wohnort.",
            ],
            [
                _breakdown_panel(
                    "sprache",
                    "Nach Sprache",
                    "Gespräche nach Sprache",
                    "Sprache",
                    figures.by_language,
                    "Gespräche insgesamt",
                ),
                _breakdown_panel(
                    "herkunft",
                    "Nach Stelle mit QR-Code",
                    "Gespräche nach Stelle mit QR-Code",
                    "Stelle",
                    figures.by_source,
                    "Gespräche insgesamt",
                ),
                _breakdown_panel(
                    "kanal",
                    "Nach Kanal",
                    "Gespräche nach Kanal",
                    "Kanal",
                    figures.by_channel,
                    "Gespräche insgesamt",
                ),
            ],  # fmt: skip
        ),
        Section(
            "triage",
            "Ergebnis der Ersteinschätzung",
            ["Vorbereitungsbögen, die im Zeitraum angelegt wurden.", *records_notes],
            [
                _breakdown_panel(
                    "ergebnis",
                    "Nach Ergebnis",
                    "Vorbereitungsbögen nach Ergebnis der Ersteinschätzung",
                    "Ergebnis",
                    figures.by_outcome,
                    "Bögen insgesamt",
                ),
                _breakdown_panel(
                    "fachdienste",
                    "Weiterleitungen nach Fachdienst",
                    "Weiterleitungen nach Fachdienst",
                    "Fachdienst",
                    figures.by_service,
                    "Weiterleitungen insgesamt",
                ),
            ],  # fmt: skip
        ),
        Section(
            "termine",
            "Termine",
            [
                "Buchungen mit Termin im Zeitraum. Reservierungen, die nicht bestätigt wurden, "
                "zählen nicht.",
            ],
            [
                _breakdown_panel(
                    "status",
                    "Nach Stand",
                    "Buchungen nach Stand",
                    "Stand",
                    figures.by_status,
                    "Buchungen insgesamt",
                ),
                _breakdown_panel(
                    "absagen",
                    "Absagen nach Grund",
                    "Absagen nach Grund",
                    "Grund",
                    figures.cancel_reasons,
                    "Absagen insgesamt",
                ),
            ],  # fmt: skip
        ),
        Section(
            "wartezeit",
            "Wartezeit bis zum Termin",
            [
                "Tage vom ersten Kontakt im Chat bis zum Termin, für gebuchte, wahrgenommene und "
                "nicht wahrgenommene Termine im Zeitraum; nach Wohnort der Person.",
            ],
            [_waiting_panel(figures)],
        ),
        Section(
            "lebensbereiche",
            "Lebensbereiche mit Bedarf",
            [
                "Aus der Ersteinschätzung: in welchen Lebensbereichen die Person Unterstützung "
                "braucht, nach Wohnort (Bögen ohne Termin: „ohne Termin“).",
                RECORDS_NOTE,
            ],
            [_life_area_panel(figures)],
        ),
        Section(
            "rueckmeldungen",
            "Rückmeldungen",
            [
                "Antworten auf die drei Fragen nach einem wahrgenommenen Termin, nach Monat des "
                "Eingangs."
            ],
            [_feedback_panel(figures)],
        ),
    ]


def period_text(filters: Filters) -> str:
    return f"{filters.start:%d.%m.%Y} bis {filters.end:%d.%m.%Y}"


# --- CSV --------------------------------------------------------------------------------------

CSV_HEADER = ["Kennzahl", "Gruppe", "Merkmal", "Wert"]


def _spreadsheet_safe(value: str) -> str:
    """Source office names come from the internet: no formulas in Excel."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_rows(figures: Figures, parts: list[Section]) -> Iterator[list[str]]:
    yield ["Filter", "Zeitraum", "von", figures.filters.start.isoformat()]
    yield ["Filter", "Zeitraum", "bis", figures.filters.end.isoformat()]
    yield ["Filter", "Gemeinde", "", figures.municipality]
    for section in parts:
        for panel in section.panels:
            table = panel.table
            if not table.rows and table.note:
                yield [table.caption, "", "Hinweis", table.note]
            for label, cells in table.rows + table.footer:
                for header, value in zip(table.header[1:], cells, strict=True):
                    if value != "":
                        yield [table.caption, label, header, value]


def to_csv(figures: Figures, parts: list[Section]) -> bytes:
    """UTF-8 with BOM and semicolons: what Excel in German opens without asking."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in csv_rows(figures, parts):
        writer.writerow([_spreadsheet_safe(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- Charts (matplotlib: SVG for the page, PDF for the report) ------------------------------

INK = "#1b1b1b"
GRID = "#8a8a8a"
# Against white: 8.4:1, 5.9:1 and 8.9:1; the second and third also hatched (not colour alone).
COLOURS = ("#0b4f8a", "#a34a00", "#4a4a4a")
HATCHES = ("", "///", "...")
RC = {
    "svg.fonttype": "path",  # the bundled DejaVu Sans, drawn: no font needed in the browser
    "svg.hashsalt": "kim-kennzahlen",  # stable ids
    "pdf.fonttype": 42,  # TrueType in the PDF: text stays searchable
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "hatch.color": "#ffffff",
    "hatch.linewidth": 1.0,
}
A4 = (8.27, 11.69)
PORTRAIT_COLUMNS = 8  # wider tables get a landscape page of their own


def _plain(text: str, width: int = 45) -> str:
    """Labels as text, never as mathtext ($...$), and short enough for the axis."""
    return textwrap.shorten(text, width=width, placeholder="…").replace("$", r"\$")


def _draw_chart(ax: Axes, chart: Chart) -> None:
    count, series = len(chart.categories), len(chart.series)
    height = 0.8 / series
    largest = max((v for s in chart.series for v in s.values if v is not None), default=0) or 1
    for index, serie in enumerate(chart.series):
        offset = (series - 1) / 2 * height - index * height
        positions = [count - 1 - row + offset for row in range(count)]
        ax.barh(
            positions,
            [value or 0 for value in serie.values],
            height=height * 0.9,
            color=COLOURS[index % len(COLOURS)],
            hatch=HATCHES[index % len(HATCHES)],
            edgecolor=COLOURS[index % len(COLOURS)],
            linewidth=0,
            label=serie.name,
        )
        for position, value, label in zip(positions, serie.values, serie.labels, strict=True):
            ax.text(
                (value or 0) + largest * 0.01,
                position,
                _plain(label),
                va="center",
                fontsize=9,
                color=INK,
            )
    ax.set_yticks(range(count)[::-1], [_plain(c, 38) for c in chart.categories])
    ax.set_ylim(-0.6, count - 0.4)
    ax.set_xlim(0, largest * 1.18)
    ax.set_xlabel(_plain(chart.unit))
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if series > 1:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=series, frameon=False)


def _chart_height(chart: Chart) -> float:
    return 1.2 + 0.3 * len(chart.categories) * max(1, len(chart.series) * 0.8)


def chart_svg(chart: Chart) -> str:
    """The chart as inline SVG: no prolog, ids unique on the page, role="img" and a title."""
    with matplotlib.rc_context(RC):
        figure = Figure(figsize=(7.5, _chart_height(chart)), layout="constrained")
        _draw_chart(figure.add_subplot(), chart)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    prefix = f"chart-{chart.key}-"
    svg = re.sub(r'\bid="', f'id="{prefix}', svg)
    svg = svg.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    label = escape(chart.description)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)
    opening = svg.index(">") + 1
    return f"{svg[:opening]}<title>{label}</title>{svg[opening:]}"


def _draw_table(ax: Axes, table: Table, fontsize: float) -> None:
    """The table drawn cell by cell: row headers left, numbers right, the note just below."""
    ax.axis("off")
    ax.set_title(_plain(table.caption, 110), loc="left", fontsize=11, fontweight="bold")
    wide = len(table.header) > PORTRAIT_COLUMNS
    header = [
        textwrap.fill(h, 10 if len(table.header) > 4 else 30).replace("$", r"\$")
        for h in table.header
    ]
    lines = max(h.count("\n") + 1 for h in header)
    height = ax.figure.get_figheight() * ax.get_position().height  # inches
    row, head = fontsize * 2.0 / 72, fontsize * (0.8 + 1.25 * lines) / 72
    fits = max(int((height - head - 0.6) / row) - len(table.footer), 1)
    rows = table.rows[:fits]
    note = table.note
    if len(table.rows) > fits:
        note = f"{len(table.rows) - fits} weitere Zeilen in der CSV-Datei. {note}"
    wrap = 120 if wide else 100
    if not rows and not table.footer:
        ax.text(0, 1, textwrap.fill(note, wrap), va="top", fontsize=fontsize)
        return
    first, chars = (0.5, 48) if len(table.header) <= 4 else (0.16, 22) if wide else (0.34, 30)
    # Long labels on two lines, not cut off: the steering group reads the whole question.
    body = [
        (textwrap.fill(_plain(label, 2 * chars - 4), chars), cells)
        for label, cells in rows + table.footer
    ]
    heights = [row * (1 + 0.6 * label.count("\n")) for label, _ in body]
    widths = [first] + [(1 - first) / (len(table.header) - 1)] * (len(table.header) - 1)
    share = (head + sum(heights)) / height
    drawn = MplTable(ax, bbox=(0, 1 - share, 1, share))
    for column, (text, width) in enumerate(zip(header, widths, strict=True)):
        cell = drawn.add_cell(0, column, width, head, text=text, loc="center", facecolor="#eef3f8")
        cell.get_text().set_fontweight("bold")
    for index, (label, cells) in enumerate(body, start=1):
        total = index > len(rows)
        for column, text in enumerate([label, *cells]):
            cell = drawn.add_cell(
                index,
                column,
                widths[column],
                heights[index - 1],
                text=text,
                loc="left" if column == 0 else "right",
            )
            if total or column == 0:
                cell.get_text().set_fontweight("bold")
    for cell in drawn.get_celld().values():
        cell.set_edgecolor(GRID)
        cell.set_linewidth(0.5)
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(fontsize)
    ax.add_table(drawn)
    if note:
        ax.text(
            0, 1 - share - 0.15 / height, textwrap.fill(note, wrap), va="top",
            fontsize=fontsize - 0.5, transform=ax.transAxes,
        )  # fmt: skip


def _page(size: tuple[float, float], heading: str, subheading: str, footer: str) -> Figure:
    page = Figure(figsize=size)
    page.text(0.07, 0.965, _plain(heading, 90), fontsize=15, fontweight="bold", va="top")
    page.text(0.07, 0.935, _plain(subheading, 110), fontsize=11, va="top")
    page.text(0.07, 0.02, footer, fontsize=8, color="#4a4a4a")
    return page


def _panel_pages(section: Section, panel: Panel, footer: str) -> Iterator[Figure]:
    wide = len(panel.table.header) > PORTRAIT_COLUMNS
    if wide:
        if panel.chart is not None:
            page = _page(A4, section.title, panel.title, footer)
            _draw_chart(page.add_axes((0.4, 0.45, 0.52, 0.45)), panel.chart)
            yield page
        landscape = (A4[1], A4[0])
        page = _page(landscape, section.title, panel.table.caption, footer)
        _draw_table(page.add_axes((0.05, 0.08, 0.9, 0.78)), panel.table, 7)
        yield page
        return
    page = _page(A4, section.title, panel.title, footer)
    if panel.chart is not None:
        _draw_chart(page.add_axes((0.4, 0.56, 0.52, 0.32)), panel.chart)
    _draw_table(page.add_axes((0.07, 0.06, 0.86, 0.42)), panel.table, 8)
    yield page


def _title_page(figures: Figures, parts: list[Section], year: int, today: date) -> Figure:
    page = Figure(figsize=A4)
    page.text(
        0.1, 0.88, f"Kommunales Integrationsmanagement\n{figures.county}", fontsize=18, va="top"
    )
    page.text(0.1, 0.76, f"Kennzahlen {year}", fontsize=30, fontweight="bold", va="top")
    page.text(0.1, 0.70, "Jahresbericht für die Lenkungsgruppe", fontsize=16, va="top")
    page.text(
        0.1, 0.65,
        f"Zeitraum: {period_text(figures.filters)} · {figures.municipality}\n"
        f"Erstellt am {today:%d.%m.%Y} aus dem KIM-Zugang "
        "(Chat, Terminbuchung, Vorbereitungsbögen)",
        fontsize=10, va="top", linespacing=1.5,
    )  # fmt: skip
    paragraphs = [
        "Inhalt: " + ", ".join(section.title for section in parts) + ".",
        PROTECTION_NOTE,
        "Gespräche kennen keinen Wohnort: sie sind für den ganzen Kreis gezählt.",
        RECORDS_NOTE,
        "Alle Zahlen auch als CSV-Datei im Bereich „Kennzahlen“ der KIM-Mitarbeitendenseiten.",
    ]
    text = "\n\n".join(textwrap.fill(paragraph, 90) for paragraph in paragraphs)
    page.text(0.1, 0.56, text, fontsize=10, va="top", linespacing=1.4)
    return page


def report_pdf(figures: Figures, parts: list[Section], year: int, today: date) -> bytes:
    """The yearly report: a title page, then one page per chart and table."""
    buffer = io.BytesIO()
    metadata = {
        "Title": f"Kennzahlen {year}: Jahresbericht für die Lenkungsgruppe",
        "Author": f"Kommunales Integrationsmanagement {figures.county}",
        "Subject": "KIM-Zugang: Gespräche, Ersteinschätzung, Termine, Wartezeit, Rückmeldungen",
        "Keywords": "KIM, Kennzahlen, Lenkungsgruppe",
    }
    with matplotlib.rc_context(RC), PdfPages(buffer, metadata=metadata) as pdf:
        pdf.savefig(_title_page(figures, parts, year, today))
        number_ = 1
        for section in parts:
            for panel in section.panels:
                for page in _panel_pages(
                    section, panel, f"KIM {figures.county} · Kennzahlen {year}"
                ):
                    number_ += 1
                    page.text(
                        0.93, 0.02, f"Seite {number_}", fontsize=8, ha="right", color="#4a4a4a"
                    )
                    pdf.savefig(page)
    return buffer.getvalue()
