"""The front door behind the QR poster (/start), the chat page's source office, the widget."""

import html
import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
import uvicorn

from conversations.models import Conversation
from conversations.service import pseudonym
from core.db import get_sessionmaker
from core.settings import PROJECT_ROOT
from i18n.languages import LANGUAGES
from scripts.stack import free_port
from tests.support.loopback import LoopbackServer

OFFICE = "buergerbuero-brakel"
SHOTS = PROJECT_ROOT / "test-artifacts" / "browser"


def links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', page)]


def chat_config(page: str) -> dict:
    found = re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', page)
    return json.loads(found.group(1))


@pytest.fixture
def channels(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """WhatsApp and Telegram configured, as on a county's server."""
    monkeypatch.setattr(settings, "whatsapp_number", "+49 5271 965-0")
    monkeypatch.setattr(settings, "telegram_bot_username", "@KimHoexterBot")
    return settings


def test_arabic_start_page_is_right_to_left_and_in_arabic(client):
    page = client.get(f"/start?src={OFFICE}&lang=ar").text
    assert '<html lang="ar" dir="rtl">' in page
    assert "أهلاً وسهلاً" in page  # the heading, from the catalog


def test_unknown_lang_follows_the_browser_then_the_county_default(client):
    assert (
        '<html lang="uk" dir="ltr">'
        in client.get("/start?lang=xx", headers={"Accept-Language": "uk,en;q=0.5"}).text
    )
    assert '<html lang="de" dir="ltr">' in client.get("/start?lang=xx").text


def test_the_picker_lists_every_enabled_language_in_its_own_script_and_keeps_the_office(
    client, county
):
    page = client.get(f"/start?src={OFFICE}&lang=de").text
    picker = re.search(r'<nav aria-labelledby="languages-title">(.*?)</nav>', page, re.S).group(1)
    names = re.findall(r"<a [^>]*>([^<]+)</a>", picker)
    assert names == [LANGUAGES[code].native_name for code in county.languages]
    assert "العربية" in names and "پښتو" in names and "Українська" in names
    for code in county.languages:
        assert f"/start?lang={code}&src={OFFICE}" in links(picker)
        assert f'lang="{code}" dir="{LANGUAGES[code].direction}"' in picker
    assert picker.count('aria-current="page"') == 1


def test_the_chat_link_carries_language_and_office(client):
    page = client.get(f"/start?src={OFFICE}&lang=fa").text
    assert f"/?lang=fa&src={OFFICE}" in links(page)
    assert "/privacy?lang=fa" in links(page)


@pytest.mark.parametrize(
    "src",
    ["buergerbuero-nirgendwo", "Buergerbuero-Brakel", "<script>alert(1)</script>", "a" * 300, ""],
)
def test_an_unknown_or_malformed_office_is_ignored_and_not_echoed(client, channels, src):
    response = client.get("/start", params={"src": src, "lang": "de"})
    assert response.status_code == 200
    page = response.text
    if src:
        assert src not in page and html.escape(src) not in page
    assert "/?lang=de" in links(page)
    assert "src=" not in page
    assert "https://wa.me/4952719650?text=START" in links(page)
    assert "https://t.me/KimHoexterBot" in links(page)
    chat = client.get("/", params={"src": src, "lang": "de"}).text
    assert chat_config(chat)["source"] is None
    assert src not in chat or not src


def test_whatsapp_and_telegram_links_only_when_configured(client, channels, monkeypatch):
    page = client.get(f"/start?src={OFFICE}&lang=ar").text
    assert f"https://wa.me/4952719650?text=START%20{OFFICE}" in links(page)
    assert f"https://t.me/KimHoexterBot?start={OFFICE}" in links(page)
    monkeypatch.setattr(channels, "whatsapp_number", "")
    monkeypatch.setattr(channels, "telegram_bot_username", "")
    bare = client.get(f"/start?src={OFFICE}&lang=ar").text
    assert "wa.me" not in bare and "t.me" not in bare
    assert "WhatsApp" not in bare  # neither the link nor the note about other companies


def test_one_h1_landmarks_and_a_skip_link(client):
    page = client.get("/start?lang=ps").text
    assert page.count("<h1") == 1
    for landmark in ("<header", "<nav ", "<main ", "<footer"):
        assert page.count(landmark) == 1, landmark
    assert 'href="#main"' in page and 'id="main"' in page
    # No flags: languages are named, not pictured.
    assert "<img" not in page and "flag" not in page.lower()


def test_every_start_page_asset_is_served_locally(client):
    page = client.get("/start").text
    for asset in re.findall(r'<link[^>]+href="([^"]+)"', page):
        assert asset.startswith("/static/")
        assert client.get(asset).status_code == 200


def test_the_chat_page_sends_the_office_as_source(client):
    page = client.get(f"/?lang=ar&src={OFFICE}").text
    config = chat_config(page)
    assert config["source"] == OFFICE and config["language"] == "ar"
    # Switching the language keeps the office.
    assert f"/?lang=en&src={OFFICE}" in links(page)
    script = client.get("/static/chat.js").text
    assert "source: config.source" in script


def test_a_conversation_started_from_the_poster_stores_its_office(client, settings):
    """The resident follows the poster's chat link; the page sends its config with the message."""
    start = client.get(f"/start?src={OFFICE}&lang=ar").text
    chat_link = next(link for link in links(start) if link.startswith("/?"))
    config = chat_config(client.get(chat_link).text)
    sender = f"web-{uuid.uuid4().hex}"
    body = {"sender_id": sender, "text": "/greet", "language": config["language"],
            "source": config["source"]}  # fmt: skip
    response = client.post("/api/v1/chat", json=body)
    assert response.status_code == 503  # Rasa does not run in these tests; the row is written
    conversation_id = pseudonym(settings.pseudonym_pepper.get_secret_value(), "web", sender)
    with get_sessionmaker()() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        assert conversation.source == OFFICE and conversation.language == "ar"


def test_a_made_up_source_is_not_stored(client, settings):
    sender = f"web-{uuid.uuid4().hex}"
    body = {"sender_id": sender, "text": "hallo", "source": "not-an-office"}
    client.post("/api/v1/chat", json=body)
    conversation_id = pseudonym(settings.pseudonym_pepper.get_secret_value(), "web", sender)
    with get_sessionmaker()() as session:
        assert session.get(Conversation, conversation_id).source is None


# --- the widget ---------------------------------------------------------------------------------


def test_the_widget_script_is_served_with_labels_in_every_language(client, county):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    script = response.text
    labels = json.loads(re.search(r"const LABELS = (\{.*?\});\n", script).group(1))
    assert sorted(labels) == sorted(county.languages)
    assert labels["ar"]["dir"] == "rtl" and labels["de"]["open"] == "Fragen und Termine"
    assert "?${query}" in script and 'embed: "1"' in script
    # Nothing from elsewhere: the only URLs are built from the script's own origin.
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)", script.split("(() =>")[1])


def test_the_embedded_chat_page_is_marked_and_keeps_its_parameters(client):
    page = client.get(f"/?embed=1&lang=ar&src={OFFICE}").text
    assert '<body class="embedded">' in page
    config = chat_config(page)
    assert config["embedded"] is True and config["source"] == OFFICE
    assert f"/?lang=de&src={OFFICE}&embed=1" in links(page)
    assert '<body class="embedded">' not in client.get("/").text


# --- in Debian's Chromium: axe (WCAG 2.1 AA), 320 px reflow (= 1280 px at 400 %), the widget ---


@pytest.fixture(scope="module")
def served(client):  # type: ignore[no-untyped-def]
    """The app on a loopback port, for the browser."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(client.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("lang", ["ar", "de"])
def test_start_page_in_a_browser_meets_wcag_and_reflows(served, channels, lang):
    from tests.support.browser import chromium, wcag_violations

    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page()
        # 200 % zoom of a 640 px wide window: 320 CSS pixels, the WCAG reflow width.
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(f"{served}/start?src={OFFICE}&lang={lang}")
        assert page.locator("html").get_attribute("dir") == LANGUAGES[lang].direction
        assert wcag_violations(page) == ""
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"horizontal scrolling at 320 px: {overflow}px"
        # Keyboard: the skip link first, then the main content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
        page.screenshot(path=str(SHOTS / f"start-{lang}.png"), full_page=True)
        # The chat link opens the chat in the same language, with the office.
        page.locator("a.channel.primary").click()
        page.wait_for_url(re.compile(r"/\?lang=" + lang + "&src=" + OFFICE))
        assert (
            page.evaluate("JSON.parse(document.getElementById('chat-config').textContent)")[
                "source"
            ]
            == OFFICE
        )


@contextmanager
def county_website(page: str) -> Iterator[str]:
    """The county's own website: another origin (a loopback port of its own; Chromium would
    not let a page from a public name load a script from loopback)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = LoopbackServer(Handler)
    try:
        yield server.url
    finally:
        server.stop()


def test_the_widget_opens_the_chat_in_a_panel_on_a_county_website(served):
    from tests.support.browser import chromium, wcag_violations

    SHOTS.mkdir(parents=True, exist_ok=True)
    website = (
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Kreis Höxter</title>'
        "</head><body><main><h1>Kreis Höxter</h1><p>Willkommen auf unserer Seite.</p></main>"
        f'<script src="{served}/embed.js" data-lang="ar" data-src="{OFFICE}" defer></script>'
        "</body></html>"
    )
    with chromium() as browser, county_website(website) as site:
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(site)
        launcher = page.locator(".kim-chat-widget .launcher")
        launcher.wait_for()
        assert launcher.get_attribute("aria-expanded") == "false"
        assert re.search("[\u0600-\u06ff]", launcher.inner_text())  # Arabic, as data-lang says
        assert not page.locator(".kim-chat-widget iframe").count()  # nothing loaded before asked
        launcher.click()
        frame = page.locator(".kim-chat-widget iframe")
        frame.wait_for()
        assert launcher.get_attribute("aria-expanded") == "true"
        src = frame.get_attribute("src")
        assert src == f"{served}/?embed=1&lang=ar&src={OFFICE}"
        assert frame.get_attribute("title")
        inner = page.frame_locator(".kim-chat-widget iframe")
        assert inner.locator("html").get_attribute("dir") == "rtl"
        assert inner.locator("body").get_attribute("class") == "embedded"
        assert wcag_violations(page) == ""
        page.screenshot(path=str(SHOTS / "widget-embedded-ar.png"))
        # Escape inside the chat closes the panel, and so does the close button.
        inner.locator("#message").press("Escape")
        page.wait_for_function(
            "document.querySelector('.kim-chat-widget').shadowRoot.querySelector('.panel').hidden"
        )
        assert launcher.get_attribute("aria-expanded") == "false"
        launcher.click()
        assert launcher.get_attribute("aria-expanded") == "true"
        page.locator(".kim-chat-widget .close").click()
        assert launcher.get_attribute("aria-expanded") == "false"
        assert (
            page.evaluate(
                "document.querySelector('.kim-chat-widget').shadowRoot.activeElement.className"
            )
            == "launcher"
        )
        # Everything came from the county website or from us: no CDN.
        origins = {str(httpx.URL(url).copy_with(path="/", query=None)) for url in requests}
        assert origins == {f"{site}/", f"{served}/"}, origins
