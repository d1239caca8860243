"""Before the appointment a reminder, after it a feedback question; and the feedback itself."""

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from conversations.models import Conversation
from conversations.outbound import NOT_SENT, deliver_message, record_sent, send_message
from i18n.catalogs import N_, gettext
from scheduler.models import Booking, County, FeedbackResponse
from scheduler.presenters import booking_fields
from scheduler.slots import rules_of

REMINDER = N_(
    "Erinnerung: Sie haben einen Termin beim Integrations-Management.\n{when}\n{place}\n"
    "Ihr Code: {code}\n"
    "Sie können nicht kommen? Dann sagen Sie bitte ab. Schreiben Sie mir: absagen."
)
FEEDBACK_REQUEST = N_(
    "Danke für Ihren Besuch beim Integrations-Management. Wie war es für Sie? "
    "Bitte beantworten Sie 3 kurze Fragen. Ihre Antworten sind anonym.\n{url}"
)
CANCELLED_BY_STAFF = N_(
    "Leider müssen wir Ihren Termin absagen.\n{when}\nIhr Code: {code}\n"
    "Das tut uns leid. Bitte buchen Sie einen neuen Termin. Schreiben Sie mir: Termin."
)
# Asked a little after the appointment, not during it.
FEEDBACK_DELAY = timedelta(hours=2)
FEEDBACK_ANSWERS = ("yes", "partly", "no")
FEEDBACK_QUESTIONS = ("understood", "helpful", "recommend")


def _reachable(session: Session, booking: Booking) -> Conversation | None:
    conversation = session.get(Conversation, booking.conversation_id)
    if conversation is None or conversation.opted_out:
        return None
    return conversation


# A booking, its conversation if the resident can be reached, the text, template variables.
Due = tuple[Booking, Conversation | None, str, dict[str, str]]


def _claim(
    session: Session, mark: InstrumentedAttribute, due: list[Due], now: datetime
) -> list[Due]:
    """Marks the bookings done and commits, before anything goes out: a run that overlaps this
    one (a slow provider, a second worker) finds them marked and sends nothing twice. A crash
    between the mark and the message loses that one message, rather than sending it twice."""
    ids = [booking.id for booking, *_ in due]
    if not ids:
        return []
    claimed = set(
        session.scalars(
            update(Booking)
            .where(Booking.id.in_(ids), mark.is_(None))
            .values({mark: now})
            .returning(Booking.id)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return [entry for booking_id, entry in zip(ids, due, strict=True) if booking_id in claimed]


def _send_all(session: Session, kind: str, now: datetime, due: list[Due]) -> int:
    """Every message goes out before its record is written: a provider call inside a
    transaction that wrote kept its locks (on SQLite the whole database, so every chat message
    waited) for as long as the provider took. Returns how many went out."""
    reachable = [(c, text, variables) for _, c, text, variables in due if c is not None]
    deliveries = [
        deliver_message(c, kind, text, now, variables) for c, text, variables in reachable
    ]
    for (conversation, text, _), delivery in zip(reachable, deliveries, strict=True):
        record_sent(session, conversation, kind, text, now, delivery)
    session.flush()
    return len(deliveries)


def send_due_reminders(session: Session, now: datetime, base_url: str) -> int:
    """One reminder per confirmed booking, `reminder_hours` before; none once cancelled."""
    due: list[Due] = []
    for county in session.scalars(select(County)).all():
        ahead = timedelta(hours=rules_of(county).reminder_hours)
        bookings = session.scalars(
            select(Booking).where(
                Booking.county_id == county.id,
                Booking.status == "confirmed",
                Booking.reminder_sent_at.is_(None),
                Booking.starts_at > now,
                Booking.starts_at <= now + ahead,
            )
        ).all()
        for booking in bookings:
            fields = booking_fields(county, booking, booking.language, base_url)
            text = gettext(booking.language, REMINDER, **fields)
            # For WhatsApp's reminder template, after its 24 hours (conversations/outbound.py).
            variables = {name: fields[name] for name in ("when", "place", "code")}
            due.append((booking, _reachable(session, booking), text, variables))
    return _send_all(session, "reminder", now, _claim(session, Booking.reminder_sent_at, due, now))


def tell_cancelled(session: Session, county: County, booking: Booking, now: datetime) -> bool:
    """The resident hears of a cancellation by staff in their language (unless opted out);
    False when no message went out, so staff inform them another way."""
    conversation = _reachable(session, booking)
    if conversation is None:
        return False
    fields = booking_fields(county, booking, booking.language, "")
    text = gettext(booking.language, CANCELLED_BY_STAFF, when=fields["when"], code=fields["code"])
    return send_message(session, conversation, "cancelled", text, now).status not in NOT_SENT


def send_feedback_requests(session: Session, now: datetime, base_url: str) -> int:
    bookings = session.scalars(
        select(Booking).where(
            Booking.status == "attended",
            Booking.feedback_token.is_not(None),
            Booking.feedback_sent_at.is_(None),
            Booking.attended_at <= now - FEEDBACK_DELAY,
        )
    ).all()
    due: list[Due] = []
    for booking in bookings:
        url = f"{base_url}/feedback/{booking.feedback_token}"
        text = gettext(booking.language, FEEDBACK_REQUEST, url=url)
        due.append((booking, _reachable(session, booking), text, {}))
    return _send_all(session, "feedback", now, _claim(session, Booking.feedback_sent_at, due, now))


def booking_for_feedback(session: Session, token: str) -> Booking | None:
    return session.scalar(
        select(Booking).where(Booking.feedback_token == token, Booking.status == "attended")
    )


def record_feedback(
    session: Session, booking: Booking, answers: dict[str, str | None], today: date
) -> FeedbackResponse:
    """Stored without any link to the booking; the link in the message works only once."""
    values = {
        question: answers.get(question) if answers.get(question) in FEEDBACK_ANSWERS else None
        for question in FEEDBACK_QUESTIONS
    }
    response = FeedbackResponse(
        county_id=booking.county_id,
        municipality_id=booking.municipality_id,
        language=booking.language,
        submitted_month=today.replace(day=1),
        **values,
    )
    session.add(response)
    booking.feedback_token = None
    session.flush()
    return response
