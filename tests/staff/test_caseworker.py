"""A caseworker's week, the German pre-intake record (audited), and what they do with a booking."""

import re

from sqlalchemy import select

from conversations.models import Conversation, OutboundMessage
from intake.models import OutboxMessage, PreIntakeRecord
from scheduler.bookings import format_code
from scheduler.models import Booking, CaseManager, Location, OfficeHours
from scheduler.weeks import manager_locations
from staff.models import AuditEntry
from staff.roles import Role
from tests.support.staff import book, make_user, manager_with_hours, past

W = Role.CASEWORKER


def week_url(booking: Booking) -> str:
    return f"/staff/calendar?week_of={booking.starts_at.date().isoformat()}"


def test_a_booking_made_in_arabic_shows_in_the_week_and_opens_as_a_german_record(
    browser, users, session, county
):
    manager = manager_with_hours(session, county)
    booking = book(session, county, manager, past(0), language="ar")
    caseworker = browser(users[W])

    week = caseworker.get(week_url(booking)).text
    assert f"Vorbereitung {format_code(booking.code)}" in week
    assert "(Arabisch)" in week
    assert "frei" in week  # the other slots of the Sprechstunde
    assert f"/calendar/{manager.feed_token}.ics" in week

    page = caseworker.get(f"/staff/bookings/{booking.id}")
    assert page.status_code == 200
    text = page.text
    # Language and interpreter need come first, then triage, then the answers, in German.
    assert text.index("Arabisch") < text.index("Dolmetscher nötig") < text.index("Ergebnis")
    assert "Termin im Case Management" in text or "Weiterleitung" in text or "Dringend" in text
    assert "vorübergehender Schutz (§ 24 AufenthG)" in text
    assert "Wohnen, Sprache" in text
    assert 'lang="ar"' in text and "نحن نسكن في مسكن مشترك" in text  # free text as written
    assert "Pass oder Ausweis" in text

    record = session.scalar(select(PreIntakeRecord).where(PreIntakeRecord.booking_id == booking.id))
    entries = session.scalars(
        select(AuditEntry).where(
            AuditEntry.user_id == users[W].id, AuditEntry.action == "record.read"
        )
    ).all()
    assert [(e.object_type, e.object_id) for e in entries] == [
        ("pre_intake_record", str(record.id))
    ]


def test_every_read_is_audited_and_admins_see_the_log(browser, users, session, county):
    booking = book(session, county, manager_with_hours(session, county), past(0), nth=1)
    caseworker = browser(users[W])
    for _ in range(2):
        assert caseworker.get(f"/staff/bookings/{booking.id}").status_code == 200
    log = browser(users[Role.ADMIN]).get(f"/staff/audit?user={users[W].email}").text
    assert log.count("<td>record.read</td>") == 2


def test_a_caseworker_cannot_open_a_record_of_another_location(browser, users, session, county):
    mine = manager_with_hours(session, county)
    own = {location.id for location in manager_locations(session, mine)}
    other = session.scalars(
        select(CaseManager)
        .join(OfficeHours, OfficeHours.case_manager_id == CaseManager.id)
        .join(Location, Location.id == OfficeHours.location_id)
        .where(CaseManager.county_id == county.id, Location.id.not_in(own))
    ).first()
    foreign = book(session, county, other, past(0))
    caseworker = browser(users[W])
    response = caseworker.get(f"/staff/bookings/{foreign.id}")
    assert response.status_code == 403
    assert "nicht zuständig" in response.text
    assert caseworker.post(f"/staff/bookings/{foreign.id}/cancel").status_code == 403
    assert session.get(Booking, foreign.id).status == "confirmed"
    assert not session.scalars(
        select(AuditEntry).where(
            AuditEntry.user_id == users[W].id, AuditEntry.object_id == str(foreign.id)
        )
    ).all()


def test_marking_attended_and_no_show(browser, users, session, county):
    manager = manager_with_hours(session, county)
    came = book(session, county, manager, past(20), nth=0)
    stayed_away = book(session, county, manager, past(20), nth=1)
    upcoming = book(session, county, manager, past(0), nth=2)
    caseworker = browser(users[W])

    response = caseworker.post(f"/staff/bookings/{came.id}/attended")
    assert response.status_code == 303
    assert "war da" in caseworker.get(response.headers["location"]).text
    caseworker.post(f"/staff/bookings/{stayed_away.id}/no-show")
    not_yet = caseworker.post(f"/staff/bookings/{upcoming.id}/attended")
    assert "noch nicht begonnen" in caseworker.get(not_yet.headers["location"]).text

    session.expire_all()
    assert session.get(Booking, came.id).status == "attended"
    assert session.get(Booking, came.id).feedback_token  # the feedback question will follow
    assert session.get(Booking, stayed_away.id).status == "no_show"
    assert session.get(Booking, upcoming.id).status == "confirmed"


def test_cancelling_tells_the_resident_in_their_language(browser, users, session, county):
    booking = book(session, county, manager_with_hours(session, county), past(0), nth=3)
    session.add(Conversation(id=booking.conversation_id, channel="whatsapp", language="ar",
                             language_origin="chosen"))  # fmt: skip
    session.commit()
    caseworker = browser(users[W])
    response = caseworker.post(f"/staff/bookings/{booking.id}/cancel")
    assert "in ihrer Sprache" in caseworker.get(response.headers["location"]).text
    session.expire_all()
    assert session.get(Booking, booking.id).status == "cancelled"
    told = session.scalar(
        select(OutboundMessage).where(OutboundMessage.conversation_id == booking.conversation_id)
    )
    assert told.kind == "cancelled" and told.language == "ar"
    assert told.text.startswith("للأسف") and format_code(booking.code) in told.text
    # The week shows the slot free again.
    week = caseworker.get(week_url(booking)).text
    assert format_code(booking.code) not in week


def test_handing_over_to_a_free_colleague_and_refusing_a_busy_one(browser, users, session, county):
    manager = manager_with_hours(session, county)
    booking = book(session, county, manager, past(0), nth=4)
    colleague = make_user(session, W, session.scalars(
        select(CaseManager).where(CaseManager.county_id == county.id, CaseManager.id != manager.id)
    ).first())  # fmt: skip
    caseworker = browser(users[W])
    response = caseworker.post(
        f"/staff/bookings/{booking.id}/hand-over", {"colleague_id": colleague.case_manager_id}
    )
    assert "Übergeben an" in caseworker.get(response.headers["location"]).text
    session.expire_all()
    assert session.get(Booking, booking.id).case_manager_id == colleague.case_manager_id
    # The case system hears of it: a new record version names the colleague.
    records = session.scalars(
        select(PreIntakeRecord).where(PreIntakeRecord.booking_id == booking.id)
    ).all()
    assert len(records) == 1
    assert session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.record_id == records[0].id, OutboxMessage.status == "pending"
        )
    )
    # The colleague now sees it in their calendar and may open it.
    theirs = browser(colleague)
    assert format_code(booking.code) in theirs.get(week_url(booking)).text
    assert theirs.get(f"/staff/bookings/{booking.id}").status_code == 200

    # Handing over a booking to someone who has one at the same time is refused.
    clash = book(session, county, manager, past(0), nth=5)
    blocker = session.get(Booking, clash.id)
    session.execute(
        Booking.__table__.update()
        .where(Booking.id == booking.id)
        .values(starts_at=blocker.starts_at, ends_at=blocker.ends_at)
    )
    session.commit()
    refused = caseworker.post(
        f"/staff/bookings/{clash.id}/hand-over", {"colleague_id": colleague.case_manager_id}
    )
    assert "schon einen Termin" in caseworker.get(refused.headers["location"]).text
    assert session.get(Booking, clash.id).case_manager_id == manager.id


def test_a_caseworker_account_without_a_case_manager_is_told_so(browser, session):
    from staff.service import create_user

    user = create_user(session, email="ohne@kreis.example", name="Ohne", role=W,
                       password="richtig-langes-passwort", case_manager_id=1)  # fmt: skip
    user.case_manager_id = None
    session.commit()
    response = browser(user).get("/staff/calendar")
    assert response.status_code == 403
    assert re.search("mit keiner Fachkraft verbunden", response.text)
