"""A resident in the web chat, over HTTP against a running front door (tests/e2e)."""

import re
import uuid

import httpx

CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")


class Resident:
    def __init__(self, base_url: str, language: str | None = None) -> None:
        self.base_url = base_url
        self.sender_id = f"web-{uuid.uuid4().hex}"
        self.language = language

    def says(self, text: str) -> list[dict]:
        body = {"sender_id": self.sender_id, "text": text, "language": self.language}
        response = httpx.post(f"{self.base_url}/api/v1/chat", json=body, timeout=60)
        assert response.status_code == 200, response.text
        self.language = response.json()["language"]
        return response.json()["messages"]

    def presses(self, messages: list[dict], title: str | None = None, index: int = 0) -> list[dict]:
        buttons = [b for m in messages for b in m.get("buttons") or []]
        if title is not None:
            button = next((b for b in buttons if b["title"] == title), None)
            assert button, f"no button {title!r} in {[b['title'] for b in buttons]}"
        else:
            button = buttons[index]
        return self.says(button["payload"])


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def screen(field: str, code: str) -> str:
    return f'/inform{{"screen_{field}": "{code}"}}'


# Consent, then the demo county's questions: buttons by payload (the same in every language,
# checked against what was offered), "{age}" and other words typed.
SCREENING = [
    "/affirm",
    screen("urgent_need", "no"),
    "{age}",
    screen("household", "family"),
    screen("residence_status", "aufenthaltserlaubnis"),
    screen("life_areas", "housing"),
    screen("life_areas", "language"),
    screen("life_areas", "done"),
    screen("services_involved", "none"),
    screen("interpreter", "yes"),
    "{note}",
    "/affirm",  # the summary is right
]
NOTES = {"de": "Meine Tochter ist 4 Jahre alt.", "ar": "ابنتي عمرها ٤ سنوات"}


def answer_screening(resident: Resident, messages: list[dict], age: str) -> list[dict]:
    for step in SCREENING:
        if not step.startswith("/"):
            messages = resident.says(step.format(age=age, note=NOTES[resident.language]))
            continue
        offered = [b["payload"] for m in messages for b in m.get("buttons") or []]
        assert step in offered, (step, text_of(messages), offered)
        messages = resident.says(step)
    return messages


def book(
    resident: Resident, ask: str, town: str, yes: str, age: str = "34"
) -> tuple[list[dict], str]:
    asked = resident.says(ask)
    slots = resident.presses(asked, town)
    slot_titles = [b["title"] for m in slots for b in m.get("buttons") or []]
    assert any("Brakel" in title for title in slot_titles), slot_titles
    consent = resident.presses(slots, index=0)
    held = answer_screening(resident, consent, age)
    booked = resident.presses(held, yes)
    code = CODE.search(text_of(booked))
    assert code, text_of(booked)
    return booked, code.group(0)
