"""Rasa's NLG callback renders each response in the conversation's language."""

from conversations.service import record_message
from i18n.catalogs import pgettext
from i18n.responses import load_responses
from i18n.scripts import dominant_script


def nlg(client, settings, response, tracker=None, token=None, arguments=None):
    token = settings.internal_token.get_secret_value() if token is None else token
    return client.post(
        "/internal/nlg",
        headers={"X-Internal-Token": token},
        json={
            "response": response,
            "arguments": arguments or {},
            "tracker": tracker or {"sender_id": "unknown", "slots": {}, "events": []},
            "channel": {"name": "rest"},
        },
    )


def user_event(language, channel="web"):
    return {"event": "user", "text": "…", "metadata": {"language": language, "channel": channel}}


def test_refuses_callers_without_the_internal_token(client, settings):
    assert nlg(client, settings, "utter_greet", token="").status_code == 403
    assert nlg(client, settings, "utter_greet", token="wrong-token").status_code == 403
    secret = settings.internal_token.get_secret_value()
    as_query = client.post(f"/internal/nlg?token={secret}", json={"response": "utter_greet"})
    assert as_query.status_code == 403  # a token in the URL would end up in access logs


def test_renders_arabic_with_the_county_filled_in_and_buttons_translated(client, settings):
    tracker = {"sender_id": "c1", "slots": {}, "events": [user_event("de"), user_event("ar")]}
    body = nlg(client, settings, "utter_greet", tracker).json()
    assert body["text"].startswith("مرحباً!")
    assert "Kreis Höxter" in body["text"]
    assert body["buttons"][0] == {"title": "ما هو KIM؟", "payload": "/faq_counselling"}
    assert all(dominant_script(b["title"]) == "Arab" for b in body["buttons"])


def test_renders_english(client, settings):
    tracker = {"sender_id": "c2", "slots": {}, "events": [user_event("en")]}
    assert nlg(client, settings, "utter_goodbye", tracker).json()["text"] == (
        "Goodbye! You can write to me again at any time."
    )


def test_falls_back_to_the_stored_conversation_language(client, settings, session):
    record_message(session, "stored-conv", "web", "hello", "en", None, ["de", "en", "ar"], "de")
    session.commit()
    tracker = {"sender_id": "stored-conv", "slots": {}, "events": []}
    assert nlg(client, settings, "utter_goodbye", tracker).json()["text"].startswith("Goodbye")


def test_falls_back_to_the_county_default_language(client, settings):
    body = nlg(client, settings, "utter_goodbye").json()
    assert body["text"] == "Auf Wiedersehen! Sie können mir jederzeit wieder schreiben."


def test_ignores_a_language_the_county_does_not_offer(client, settings):
    tracker = {"sender_id": "c3", "slots": {}, "events": [user_event("xx")]}
    assert nlg(client, settings, "utter_goodbye", tracker).json()["text"].startswith("Auf Wieder")


def test_unknown_response_is_an_error_not_silence(client, settings):
    assert nlg(client, settings, "utter_does_not_exist").status_code == 404


def test_faq_answer_comes_from_the_curated_content(client, settings):
    tracker = {"sender_id": "c4", "slots": {}, "events": [user_event("de")]}
    body = nlg(client, settings, "utter_faq", tracker, arguments={"topic": "faq_registration"})
    assert body.status_code == 200
    assert "Wohnungsgeber-Bestätigung" in body.json()["text"]


def test_faq_without_an_answer_in_the_language_says_so(client, settings):
    tracker = {"sender_id": "c5", "slots": {}, "events": [user_event("en")]}
    body = nlg(client, settings, "utter_faq", tracker, arguments={"topic": "faq_unknown"}).json()
    source = load_responses(settings.bot_domain_path)["utter_faq"].text
    assert body["text"] == pgettext("en", "utter_faq", source) != source


def test_language_choice_offers_every_enabled_language_by_its_own_name(client, settings, county):
    body = nlg(client, settings, "utter_switch_language").json()
    assert [b["title"] for b in body["buttons"]][:3] == ["Deutsch", "English", "العربية"]
    assert body["buttons"][2]["payload"] == '/switch_language{"language": "ar"}'


def test_only_answers_that_depend_on_nothing_but_the_language_may_be_reused(client, settings):
    """Rasa reuses marked answers (bot/nlg.py): a stale slot offer or FAQ answer would mislead."""
    arabic = {"sender_id": "c6", "slots": {}, "events": [user_event("ar")]}
    question = nlg(client, settings, "utter_ask_screen_household", arabic).json()
    assert question["cache_seconds"] > 0
    assert question["buttons"]
    # The privacy link differs only by language, like the text around it.
    consent = nlg(client, settings, "utter_ask_consent_given", arabic).json()
    assert consent["cache_seconds"] > 0
    assert f"{settings.base_url}/privacy?lang=ar" in consent["text"]
    towns = nlg(client, settings, "utter_ask_booking_municipality", arabic).json()
    assert towns["cache_seconds"] > 0
    brakel = '/inform{"booking_municipality": "brakel"}'
    assert brakel in [button["payload"] for button in towns["buttons"]]

    slots = nlg(client, settings, "utter_ask_booking_slot", arabic).json()
    faq = nlg(client, settings, "utter_faq", arabic, arguments={"topic": "faq_registration"})
    booked = {"sender_id": "c6", "slots": {"booking_code": "K7Q2MD"}, "events": [user_event("ar")]}
    confirmation = nlg(client, settings, "utter_booking_confirmed", booked).json()
    without_language = nlg(client, settings, "utter_ask_screen_household").json()
    hint = nlg(client, settings, "utter_screening_use_buttons", arabic).json()
    for answer in (slots, faq.json(), confirmation, without_language, hint):
        assert "cache_seconds" not in answer


def test_no_button_hint_where_choices_are_numbers(client, settings):
    """WhatsApp and SMS have no buttons: their numbered list already says "write the number"."""
    for response in ("utter_screening_use_buttons", "utter_booking_choose_slot"):
        for channel in ("web", "telegram", "whatsapp", "sms"):
            said = channel in ("web", "telegram")
            tracker = {"sender_id": "c7", "slots": {}, "events": [user_event("ar", channel)]}
            body = nlg(client, settings, response, tracker).json()
            assert bool(body["text"]) == said, (response, channel, body)
            if said:
                assert dominant_script(body["text"]) == "Arab"
