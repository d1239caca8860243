"""The chat widget in Debian's Chromium: Arabic right to left with a button pressed; German with
the keyboard only; no WCAG 2.1 AA violation. Screenshots land in test-artifacts/browser/."""

import json
import re

import pytest

from core.settings import PROJECT_ROOT
from tests.support.browser import chromium, wcag_violations
from tests.support.chat import NOTES, SCREENING

pytestmark = pytest.mark.e2e
SHOTS = PROJECT_ROOT / "test-artifacts" / "browser"


def bot_messages(page):  # type: ignore[no-untyped-def]
    return page.locator("#log li.bot")


def test_from_the_poster_to_an_arabic_answer_right_to_left_with_a_button(front_door):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page()
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        # From the poster: the start page of the office's code, then "chat here".
        page.goto(f"{front_door}/start?src=buergerbuero-brakel&lang=ar")
        assert page.locator("html").get_attribute("dir") == "rtl"
        page.get_by_role("link", name="اكتب لنا هنا في المتصفح").click()
        page.wait_for_url(re.compile(r"src=buergerbuero-brakel"))
        assert page.locator("html").get_attribute("dir") == "rtl"
        greeting = bot_messages(page).first
        greeting.wait_for()
        assert greeting.get_attribute("dir") == "rtl"
        assert re.search("[\u0600-\u06ff]", greeting.inner_text())
        assert wcag_violations(page) == ""
        buttons = page.locator("#log .choices button")
        first_title = buttons.first.inner_text()
        buttons.first.click()
        page.locator("#log li.me", has_text=first_title).wait_for()
        bot_messages(page).nth(1).wait_for()
        answer = bot_messages(page).last
        assert answer.get_attribute("dir") == "rtl"
        assert re.search("[\u0600-\u06ff]", answer.inner_text())
        page.screenshot(path=str(SHOTS / "widget-ar.png"), full_page=True)
        assert wcag_violations(page) == ""


def test_german_with_the_keyboard_only(front_door):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{front_door}/?lang=de")
        bot_messages(page).first.wait_for()
        # The skip link is the first stop and leads to the message field.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "message"
        page.keyboard.type("Hallo")
        page.keyboard.press("Enter")
        page.locator("#log li.me", has_text="Hallo").wait_for()
        bot_messages(page).nth(1).wait_for()
        page.locator("#log .choices button").first.wait_for()
        # A button of the answer: Shift+Tab from the field goes back into the conversation.
        for _ in range(30):
            page.keyboard.press("Shift+Tab")
            if page.evaluate("document.activeElement.closest('.choices') !== null"):
                break
        pressed = page.evaluate("document.activeElement.textContent")
        assert pressed, "no button of the answer is reachable with the keyboard"
        count = bot_messages(page).count()
        page.keyboard.press("Enter")
        page.locator("#log li.me", has_text=pressed).wait_for()
        bot_messages(page).nth(count).wait_for()
        page.screenshot(path=str(SHOTS / "widget-de-keyboard.png"), full_page=True)
        assert wcag_violations(page) == ""


@pytest.mark.parametrize(
    ("language", "ask", "yes", "age"),
    [
        ("ar", "بدي موعد", "نعم، احجز الموعد", "٣٤"),
        ("de", "Ich brauche einen Termin", "Ja, buchen", "34"),
    ],
)
def test_from_the_poster_to_a_booked_appointment(front_door, language, ask, yes, age):
    """The poster's code, the start page, the widget: town, slot, consent, the questions,
    confirm, and the booking code on screen. Buttons are pressed, answers typed."""
    with chromium() as browser:
        page = browser.new_page()
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{front_door}/start?src=buergerbuero-brakel&lang={language}")
        page.locator("a.channel.primary").click()
        bot_messages(page).first.wait_for()

        def answered_by(action) -> None:  # type: ignore[no-untyped-def]
            count = bot_messages(page).count()
            action()
            bot_messages(page).nth(count).wait_for()  # one answer's messages come together

        def type_(text: str) -> None:
            page.locator("#message").fill(text)
            page.locator("#message").press("Enter")

        answered_by(lambda: type_(ask))
        answered_by(lambda: page.locator("#log .choices button", has_text="Brakel").click())
        answered_by(lambda: page.locator("#log .choices button").first.click())  # a slot
        for step in SCREENING:
            if step.startswith("/"):
                button = page.locator(f"#log .choices button[data-payload={json.dumps(step)}]")
                answered_by(button.click)
            else:
                answered_by(lambda step=step: type_(step.format(age=age, note=NOTES[language])))
        answered_by(lambda: page.get_by_role("button", name=yes, exact=True).click())
        confirmation = bot_messages(page).last.inner_text()
        assert re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", confirmation), confirmation
        assert page.get_by_role("link", name=re.compile(r"\.ics$")).count() == 1
        page.screenshot(path=str(SHOTS / f"booked-{language}.png"), full_page=True)
        assert wcag_violations(page) == ""
