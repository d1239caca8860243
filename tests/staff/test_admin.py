"""The coordination office's pages: FAQ curation, office hours, triage rules, delivery, accounts."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from core.db import utcnow
from faq.models import FaqAnswer, FaqTopic
from faq.schemas import FaqLanguageFile
from faq.service import find_answer, load_faq_content
from intake.models import OutboxMessage, PreIntakeRecord
from scheduler.models import Absence, Closure, Location, OfficeHours
from staff.models import StaffUser
from staff.roles import Role
from tests.support.staff import PASSWORD, StaffBrowser, book, manager_with_hours, past

A, C = Role.ADMIN, Role.COORDINATOR


def answer(session, county, topic: str, language: str) -> FaqAnswer:
    return session.scalar(
        select(FaqAnswer)
        .join(FaqTopic)
        .where(
            FaqTopic.county_id == county.id,
            FaqTopic.key == topic,
            FaqAnswer.language == language,
            FaqAnswer.scope == "*",
        )
    )


def test_a_changed_german_answer_makes_the_translations_outdated(browser, users, session, county):
    coordinator = browser(users[C])
    page = coordinator.get("/staff/faq").text
    assert "Wohnen" in page and "Abdeckung" in page
    german = answer(session, county, "faq_work", "de")
    new_german = german.text + " Fragen Sie auch im Jobcenter."
    saved = coordinator.post(
        "/staff/faq/faq_work/de", {"text": new_german, "review_state": "reviewed", "scope": "*"}
    )
    assert saved.status_code == 303
    table = coordinator.get("/staff/faq").text
    # Every other language of this topic is now outdated; the editor shows the new German text.
    assert 'class="state state-outdated" href="/staff/faq/faq_work/ar?scope=%2A"' in table
    editor = coordinator.get("/staff/faq/faq_work/ar").text
    assert "veraltet" in editor and "Fragen Sie auch im Jobcenter." in editor
    # The translation is fixed and no longer outdated.
    arabic = answer(session, county, "faq_work", "ar")
    fixed = {"text": arabic.text + " اسأل في الجوب سنتر.", "review_state": "reviewed"}
    coordinator.post("/staff/faq/faq_work/ar", fixed)
    assert "veraltet" not in coordinator.get("/staff/faq/faq_work/ar").text.split("<form")[0]


def test_the_preview_shows_the_text_right_to_left_and_saves_nothing(
    browser, users, session, county
):
    coordinator = browser(users[C])
    before = answer(session, county, "faq_health", "fa").text
    preview = coordinator.post(
        "/staff/faq/faq_health/fa",
        {"text": "پیش‌نمایش: دکتر", "review_state": "reviewed", "intent": "preview"},
    )
    assert preview.status_code == 200
    assert 'class="chat-preview" lang="fa" dir="rtl"' in preview.text
    assert "پیش‌نمایش: دکتر" in preview.text
    session.expire_all()
    assert answer(session, county, "faq_health", "fa").text == before


def test_a_draft_is_not_shown_to_residents_and_an_empty_answer_is_refused(
    browser, users, session, county
):
    coordinator = browser(users[C])
    shown = find_answer(session, county.slug, "faq_school_childcare", "tr")
    coordinator.post(
        "/staff/faq/faq_school_childcare/tr", {"text": "Taslak metin", "review_state": "draft"}
    )
    session.expire_all()
    assert find_answer(session, county.slug, "faq_school_childcare", "tr") is None
    assert shown != "Taslak metin"
    empty = coordinator.post(
        "/staff/faq/faq_school_childcare/tr", {"text": "   ", "review_state": "reviewed"}
    )
    assert empty.status_code == 200 and "leer" in empty.text


def test_content_files_never_overwrite_what_staff_edited(browser, users, session, county):
    browser(users[C]).post(
        "/staff/faq/faq_recognition/en", {"text": "Edited by staff.", "review_state": "reviewed"}
    )
    content = FaqLanguageFile(language="en", answers={"faq_recognition": "From the file."})
    load_faq_content(session, county, [content])
    session.commit()
    assert find_answer(session, county.slug, "faq_recognition", "en") == "Edited by staff."


def test_new_office_hours_produce_slots_and_a_closure_removes_them(browser, users, session, county):
    coordinator = browser(users[C])
    manager = manager_with_hours(session, county)
    location = session.scalars(select(Location).where(Location.county_id == county.id)).first()
    zone = ZoneInfo(county.timezone)
    day = (utcnow() + timedelta(days=9)).astimezone(zone).date()
    while day.weekday() != 5:  # a Saturday: nobody holds Sprechstunden then
        day += timedelta(days=1)
    response = coordinator.post(
        "/staff/office-hours/hours",
        {"location_id": location.id, "case_manager_id": manager.id, "weekday": 5,
         "starts": "07:00", "ends": "08:00", "valid_from": day.isoformat(),
         "valid_until": day.isoformat()},
    )  # fmt: skip
    assert response.status_code == 303
    page = coordinator.get(response.headers["location"]).text
    assert "Sprechstunde gespeichert" in page
    saturday = f"Samstag, {day.strftime('%d.%m.%Y')}"
    assert saturday in page and "07:00" in page.split(saturday)[1].split("</table>")[0]

    # The same hours twice for the same person are refused with a clear message.
    again = coordinator.post(
        "/staff/office-hours/hours",
        {"location_id": location.id, "case_manager_id": manager.id, "weekday": 5,
         "starts": "07:30", "ends": "08:30"},
    )  # fmt: skip
    assert "schon eine Sprechstunde" in coordinator.get(again.headers["location"]).text

    coordinator.post("/staff/office-hours/closures",
                     {"day": day.isoformat(), "reason": "Betriebsausflug"})  # fmt: skip
    assert saturday not in coordinator.get("/staff/office-hours").text
    closure = session.scalar(
        select(Closure).where(Closure.county_id == county.id, Closure.day == day)
    )
    assert closure.reason == "Betriebsausflug"
    assert coordinator.post(f"/staff/office-hours/closures/{closure.id}/delete").status_code == 303
    assert saturday in coordinator.get("/staff/office-hours").text
    hours = session.scalar(
        select(OfficeHours).where(OfficeHours.weekday == 5, OfficeHours.valid_from == day)
    )
    coordinator.post(f"/staff/office-hours/hours/{hours.id}/delete")
    assert saturday not in coordinator.get("/staff/office-hours").text


def test_an_absence_needs_a_real_period_and_a_different_cover(browser, users, session, county):
    coordinator = browser(users[C])
    manager = manager_with_hours(session, county)
    today = utcnow().date()
    wrong = coordinator.post(
        "/staff/office-hours/absences",
        {"case_manager_id": manager.id, "starts": (today + timedelta(days=5)).isoformat(),
         "ends": today.isoformat(), "cover_id": manager.id},
    )  # fmt: skip
    assert "Das Ende der Abwesenheit" in coordinator.get(wrong.headers["location"]).text
    ok = coordinator.post(
        "/staff/office-hours/absences",
        {"case_manager_id": manager.id, "starts": (today + timedelta(days=300)).isoformat(),
         "ends": (today + timedelta(days=310)).isoformat()},
    )  # fmt: skip
    assert "Abwesenheit gespeichert" in coordinator.get(ok.headers["location"]).text
    absence = session.scalar(select(Absence).where(Absence.case_manager_id == manager.id))
    assert absence.cover_id is None


def test_the_rules_read_as_german_and_a_tried_case_shows_the_rule_that_fires(browser, users):
    caseworker = browser(users[Role.CASEWORKER])
    rules = caseworker.get("/staff/triage").text
    assert "Schon beteiligte Stellen enthält „Jugendmigrationsdienst (JMD)“" in rules
    assert "immer (alle übrigen Fälle)" in rules
    tried = caseworker.post(
        "/staff/triage/try",
        {"urgent_need": "no", "life_areas": ["health"], "services_involved": ["none"]},
    )
    assert "Ergebnis für diesen Fall: Weiterleitung" in tried.text
    assert "Medizinische Flüchtlingshilfe" in tried.text
    assert "<code>health-only</code>" in tried.text


def test_a_dead_letter_is_redriven_once(browser, users, session, county):
    booking = book(session, county, manager_with_hours(session, county), past(30), nth=6)
    record = session.scalar(select(PreIntakeRecord).where(PreIntakeRecord.booking_id == booking.id))
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.record_id == record.id)
        .values(status="dead", attempts=17, last_error="HTTP 503 from the case system")
    )
    session.commit()
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.record_id == record.id))
    coordinator = browser(users[C])
    page = coordinator.get("/staff/delivery?status=dead").text
    assert "HTTP 503 from the case system" in page
    done = coordinator.post(f"/staff/delivery/{message.id}/redrive")
    assert "Wird neu übergeben" in coordinator.get(done.headers["location"]).text
    session.expire_all()
    again = session.get(OutboxMessage, message.id)
    assert again.status == "pending" and again.idempotency_key == message.idempotency_key


def test_an_admin_creates_an_account_that_can_log_in(app, browser, users, session):
    admin = browser(users[A])
    short = admin.post("/staff/users", {"email": "neu@kreis.example", "name": "Neu",
                                        "role": "coordinator", "password": "kurz"})  # fmt: skip
    assert short.status_code == 400 and "mindestens 12 Zeichen" in short.text
    created = admin.post("/staff/users", {"email": "Neu@Kreis.example", "name": "Neu",
                                          "role": "coordinator", "password": PASSWORD})  # fmt: skip
    assert created.status_code == 303
    user = session.scalar(select(StaffUser).where(StaffUser.email == "neu@kreis.example"))
    assert user.password_hash.startswith("$argon2id$")
    assert StaffBrowser(app).login("neu@kreis.example", PASSWORD).status_code == 303
    log = admin.get("/staff/audit?action=user.create").text
    assert "user.create" in log and users[A].email in log


def test_an_admin_cannot_lock_themselves_out(browser, users):
    admin = browser(users[A])
    response = admin.post(f"/staff/users/{users[A].id}", {"role": "coordinator", "active": "1"})
    assert response.status_code == 400
    assert admin.get("/staff/users").status_code == 200
