"""The chat endpoint refuses bad input with a clear JSON error in the resident's language."""

import pytest

VALID = {"sender_id": "web-0123456789", "text": "Hallo"}


def post(client, body=None, raw=None, language_header=None):
    headers = {"Content-Type": "application/json"}
    if language_header:
        headers["Accept-Language"] = language_header
    return client.post("/api/v1/chat", json=body, content=raw, headers=headers)


def test_empty_text_is_refused_in_german_by_default(client):
    response = post(client, {**VALID, "text": "   "})
    assert response.status_code == 422
    assert response.json() == {
        "error": "empty_text",
        "message": "Bitte schreiben Sie eine Nachricht.",
        "details": [{"field": "text", "message": "Bitte schreiben Sie eine Nachricht."}],
    }


def test_empty_text_is_refused_in_the_chosen_language(client):
    response = post(client, {**VALID, "text": "", "language": "ar"})
    assert response.status_code == 422
    assert response.json()["message"] == "من فضلك اكتب رسالة."


def test_browser_language_is_used_when_none_is_chosen(client):
    response = post(client, {**VALID, "text": ""}, language_header="en-GB,en;q=0.8,de;q=0.5")
    assert response.json()["message"] == "Please write a message."


def test_text_over_the_limit_says_the_limit(client, settings):
    response = post(
        client, {**VALID, "text": "a" * (settings.chat_max_chars + 1), "language": "en"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "text_too_long"
    assert str(settings.chat_max_chars) in body["message"]


def test_unknown_language_lists_the_available_ones(client):
    response = post(client, {**VALID, "language": "xx"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "unknown_language"
    assert "de, en, ar" in body["message"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**VALID, "text": 42}, "text", "Das Feld „text“ muss Text sein."),
        ({"text": "Hallo"}, "sender_id", "Das Feld „sender_id“ fehlt."),
        ({**VALID, "extra": 1}, "extra", "Das Feld „extra“ gibt es nicht."),
        ({**VALID, "sender_id": "x"}, "sender_id", "Das Feld „sender_id“ ist nicht gültig."),
        ({**VALID, "source": "no spaces!"}, "source", "Das Feld „source“ ist nicht gültig."),
    ],
)
def test_wrong_fields_are_named(client, body, field, message):
    response = post(client, body)
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"] == "invalid_request"
    assert payload["message"] == "Die Anfrage ist nicht gültig."
    assert {"field": field, "message": message} in payload["details"]


def test_malformed_json_is_refused(client):
    response = post(client, raw=b'{"sender_id": "web-0123456789", "text": ')
    assert response.status_code == 422
    assert response.json()["details"][0]["message"] == "Die Anfrage ist kein gültiges JSON."


def test_json_that_is_not_an_object_is_refused(client):
    response = post(client, raw=b'["Hallo"]', language_header="en")
    assert response.status_code == 422
    assert response.json()["details"][0]["message"] == "The request must be a JSON object."


def test_assistant_down_gives_a_translated_503_and_keeps_the_language(client):
    # Rasa is not running in this test (RASA_URL points at a closed port).
    response = post(client, {**VALID, "text": "مرحبا"})
    assert response.status_code == 503
    assert response.json() == {
        "error": "assistant_unavailable",
        "message": "المساعد غير متاح الآن. من فضلك حاول مرة أخرى بعد دقيقة.",
        "details": [],
    }
