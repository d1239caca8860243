"""The chat page speaks the resident's language and direction, and serves its own assets."""

import re


def test_page_follows_the_browser_language_and_direction(client):
    page = client.get("/", headers={"Accept-Language": "ar,en;q=0.5"}).text
    assert '<html lang="ar" dir="rtl">' in page
    assert "رسالتك" in page  # the message field's label


def test_lang_parameter_wins_over_the_browser(client):
    page = client.get("/?lang=en", headers={"Accept-Language": "ar"}).text
    assert '<html lang="en" dir="ltr">' in page
    assert '<label for="message">Your message</label>' in page


def test_unknown_lang_falls_back_to_german(client):
    page = client.get("/?lang=xx").text
    assert '<html lang="de" dir="ltr">' in page


def test_language_links_show_native_names(client):
    page = client.get("/").text
    for native in ("Deutsch", "English", "العربية"):
        assert native in page


def test_every_asset_is_served_locally(client):
    page = client.get("/").text
    assets = re.findall(r'(?:src|href)="([^"#?]+)"', page)
    assert assets, "the page links no assets"
    for asset in assets:
        assert asset.startswith("/"), f"external asset {asset}"
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200


def test_answers_are_announced_in_a_live_region_that_keeps_list_semantics(client):
    """Screen readers announce new messages; role="log" on the <ol> itself would hide the list
    (axe: listitem), so the live region wraps it."""
    page = client.get("/").text
    region = re.search(r'<div role="log" aria-live="polite"[^>]*>\s*<ol id="log"', page)
    assert region, "the message list must sit inside a polite live region"
