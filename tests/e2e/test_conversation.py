"""Short conversations through POST /api/v1/chat, answered by the real Rasa model."""

import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e


class Resident:
    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/api/v1/chat"
        self.sender_id = f"web-{uuid.uuid4().hex}"

    def says(self, text: str, language: str | None = None) -> dict:
        body = {"sender_id": self.sender_id, "text": text, "language": language}
        response = httpx.post(self.url, json=body, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()


def test_ready_when_everything_runs(front_door):
    checks = httpx.get(f"{front_door}/readyz").json()["checks"]
    assert all(checks[name]["ok"] for name in ("database", "broker", "rasa", "actions")), checks


@pytest.mark.parametrize(
    ("greeting", "language", "answer_starts"),
    [
        ("Hallo", "de", "Hallo! Ich bin der digitale Assistent"),
        ("مرحبا", "ar", "مرحباً! أنا المساعد الرقمي"),
        ("hello", "en", "Hello! I am the digital assistant"),
    ],
)
def test_a_greeting_is_answered_in_its_language(front_door, greeting, language, answer_starts):
    reply = Resident(front_door).says(greeting)
    assert reply["language"] == language
    assert reply["messages"][0]["text"].startswith(answer_starts)
    assert "Kreis Höxter" in reply["messages"][0]["text"]


def test_pressing_the_button_explains_kim_in_the_same_language(front_door):
    resident = Resident(front_door)
    greeting = resident.says("مرحبا")
    button = greeting["messages"][0]["buttons"][0]
    assert button["title"] == "ما هو KIM؟"
    reply = resident.says(button["payload"])
    assert reply["language"] == "ar"
    assert "مجانية" in reply["messages"][0]["text"]  # "free of charge"


@pytest.mark.parametrize(
    ("question", "language", "marker"),
    [
        ("was ist kim eigentlich?", "de", "kostenlos"),
        ("what is KIM and who helps me", "en", "free"),
        ("شو هو كيم", "ar", "مجانية"),
    ],
)
def test_a_question_about_the_service_gets_the_answer(front_door, question, language, marker):
    reply = Resident(front_door).says(question)
    assert reply["language"] == language
    assert marker in reply["messages"][0]["text"]


def test_the_resident_can_switch_language_mid_conversation(front_door):
    resident = Resident(front_door)
    assert resident.says("Hallo")["language"] == "de"
    reply = resident.says("hello, what is this service?")
    assert reply["language"] == "en"
    confirmation, answer = reply["messages"][0]["text"], reply["messages"][1]["text"]
    assert "English" in confirmation  # the switch is confirmed in the new language
    assert answer.startswith("KIM means")


def test_a_short_ambiguous_word_keeps_the_language(front_door):
    resident = Resident(front_door)
    resident.says("مرحبا")
    assert resident.says("ok")["language"] == "ar"


def test_explicit_language_wins_over_the_text(front_door):
    reply = Resident(front_door).says("Hallo", language="en")
    assert reply["language"] == "en"
    assert reply["messages"][0]["text"].startswith("Hello!")


def test_goodbye(front_door):
    reply = Resident(front_door).says("tschüss")
    assert reply["messages"][0]["text"].startswith("Auf Wiedersehen")


def test_two_misses_in_a_row_offer_a_human(front_door):
    resident = Resident(front_door)
    resident.says("Hallo")
    first = resident.says("wqpo zmxncb")  # keyboard mashing the model has never seen
    second = resident.says("jkjkjk plpl")
    assert [b["payload"] for b in first["messages"][0]["buttons"]] == ["/affirm"]  # topics
    assert [b["payload"] for b in second["messages"][0]["buttons"]] == ["/request_human", "/affirm"]
