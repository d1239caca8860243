"""The consent question and the summary the resident checks, in their language."""


def nlg(client, settings, response, language, slots=None, arguments=None):
    return client.post(
        "/internal/nlg",
        headers={"X-Internal-Token": settings.internal_token.get_secret_value()},
        json={
            "response": response,
            "arguments": arguments or {},
            "tracker": {
                "sender_id": "x",
                "slots": slots or {},
                "events": [{"event": "user", "metadata": {"language": language}}],
            },
        },
    ).json()


def test_consent_links_the_privacy_page_in_the_residents_language(client, settings, county):
    message = nlg(client, settings, "utter_ask_consent_given", "fa")
    assert f"{settings.base_url}/privacy?lang=fa" in message["text"]
    assert "Kreis Höxter" in message["text"]
    page = client.get("/privacy?lang=fa")
    assert page.status_code == 200 and 'lang="fa" dir="rtl"' in page.text
    # The controller and how to reach them, from the county's config.
    assert county.contact["name"] in page.text and county.contact["email"] in page.text


def test_the_summary_shows_what_was_pressed_in_arabic_and_skips_as_dont_know(client, settings):
    slots = {
        "screening_fields": {"age": [], "household": ["family"], "life_areas": ["housing"]},
        "screen_age": 34,
        "screen_household": "family",
        "screen_life_areas": ["housing", "language"],
    }
    message = nlg(client, settings, "utter_ask_screening_correct", "ar", slots)
    lines = message["text"].splitlines()
    assert any("34" in line for line in lines)
    household_button = next(
        b["title"]
        for b in nlg(client, settings, "utter_ask_screen_household", "ar")["buttons"]
        if "family" in b["payload"]
    )
    assert any(household_button in line for line in lines)
    skipped = nlg(
        client, settings, "utter_ask_screening_correct", "de",
        {"screening_fields": {"age": []}, "screen_age": "skip"},
    )  # fmt: skip
    assert "Alter: weiß nicht" in skipped["text"]


def test_a_referral_shows_the_services_contact_data(client, settings):
    service = {
        "name": "JMD Höxter",
        "address": "Markt 1",
        "phone": "05271 1",
        "opening_hours": "Mo",
    }
    message = nlg(client, settings, "utter_triage_referral", "de", arguments={"service": service})
    for part in service.values():
        assert part in message["text"]
