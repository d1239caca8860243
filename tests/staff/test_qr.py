"""QR codes and posters for the registration offices (/staff/qr): who may make them, what the codes
encode, and a poster whose Arabic, Persian and Pashto are shaped and ordered right to left.

The rendered posters are kept as PNG in test-artifacts/qr/ (pdftoppm, from poppler-utils: `make
test` installs it with Chromium)."""

import io
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest
import segno

from api.staff import posters
from core.settings import PROJECT_ROOT
from i18n.catalogs import gettext
from i18n.languages import LANGUAGES
from staff.roles import Role

OFFICE = "buergerbuero-brakel"
PUBLIC = "https://kim.kreis-hoexter.example"
URL = f"{PUBLIC}/start?src={OFFICE}"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "qr"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# Full sentences for the right-to-left blocks, as a translator would write them, so that every
# Pashto letter the brief names is laid out in a joining position: ښ ځ څ ډ ړ ږ ګ ڼ ې ۍ.
SENTENCES = {
    "ar": ("أهلاً وسهلاً! هل لديك أسئلة؟", "اكتب لنا بلغتك. امسح الرمز."),
    "fa": ("خوش آمدید! سؤالی دارید؟", "به زبان خودتان برای ما بنویسید. کد را اسکن کنید."),
    "ps": (
        "ښه راغلاست! پوښتنې لرئ؟",
        "په خپله ژبه موږ ته ولیکئ. کوډ سکین کړئ. ځای، څوک، ګډون، پاڼه، سږکال، کوچنۍ.",
    ),
}
# Contextual forms that must be drawn. The font names a form by its Unicode presentation form
# where there is one (uniFEDF: lam, initial); Pashto's letters have none, so their forms are the
# font's own glyphs (uni069A.medi), reached only by real OpenType shaping.
SHAPED_GLYPHS = {
    "ar": ["uniFEDF", "uniFEEC", "uniFEB3"],  # ل initial, ه medial, س initial
    "fa": ["uniFB90", "uniFBFF", "uniFBFD"],  # ک initial, ی medial and final
    "ps": [
        "uni069A.medi",  # ښ in پوښتنې
        "uni069A.init",  # ښ in ښه
        "uni0681.init",  # ځ in ځای
        "uni0685.init",  # څ in څوک
        "uni06AB.init",  # ګ in ګډون
        "uni0689.fina",  # ډ in ګډون, کوډ
        "uni0693.fina",  # ړ in کړئ
        "uni0696.fina",  # ږ in سږکال
        "uni06BC.init",  # ڼ in پاڼه
        "uniFBE5",  # ې final in پوښتنې (ې has presentation forms)
        "uni06CD.fina",  # ۍ in کوچنۍ
    ],
}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: `make test` installs poppler-utils with apt-get")
    return path


def pdf_text(pdf: bytes) -> str:
    """The PDF's text layer, as copying or a screen reader gets it (bidi controls removed)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "poster.pdf"
        source.write_bytes(pdf)
        result = subprocess.run(
            [tool("pdftotext"), "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True
        )
    return BIDI_CONTROLS.sub("", result.stdout.decode())


def blocks(pdf: bytes) -> list[tuple[str, list[str]]]:
    """The language blocks in drawing order: (language, its lines after the name). A block starts
    at a line that is a language's own name (word order aside: pdftotext -raw gives
    right-to-left lines in visual order)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "poster.pdf"
        source.write_bytes(pdf)
        raw = subprocess.run(
            [tool("pdftotext"), "-raw", "-enc", "UTF-8", str(source), "-"],
            capture_output=True, check=True,
        ).stdout.decode()  # fmt: skip

    def words(text: str) -> frozenset[str]:
        return frozenset(re.findall(r"\w+", text))

    names = {words(language.native_name): code for code, language in LANGUAGES.items()}
    found: list[tuple[str, list[str]]] = []
    for line in BIDI_CONTROLS.sub("", raw).splitlines():
        code = names.get(words(line))
        if code:
            found.append((code, []))
        elif found and line.strip():
            found[-1][1].append(line.strip())
    return found


def glyph_names(pdf: bytes) -> set[str]:
    """The glyphs drawn (Type 3 fonts name each one in the PDF: `uni069A.medi` is ښ joined on
    both sides)."""
    return {name.decode() for name in re.findall(rb"/(uni[0-9A-F]{4}(?:\.[a-z0-9]+)*)", pdf)}


def render_png(pdf: bytes, name: str) -> Path:
    """The first page at 60 dpi, kept in test-artifacts/qr/ to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / name
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [tool("pdftoppm"), "-png", "-r", "60", "-singlefile", str(source), str(target)],
        check=True,
    )
    png = target.with_suffix(".png")
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    return png


def png_modules(png: bytes, scale: int, border: int) -> list[list[int]]:
    """The dark (1) and light (0) modules of a 1-bit greyscale PNG as segno writes it."""
    assert png.startswith(PNG_SIGNATURE)
    position, header, data = 8, b"", b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data += body
        position += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert (depth, color) == (1, 0), "segno writes 1-bit greyscale for black on white"
    stride = (width + 7) // 8
    raw = zlib.decompress(data)
    rows, previous = [], bytes(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, row = line[0], line[1:]
        if kind == 2:  # "Up": the same as the row above (segno's scaled rows)
            row = bytes((a + b) & 0xFF for a, b in zip(row, previous, strict=True))
        else:
            assert kind == 0, f"unexpected PNG filter {kind}"
        rows.append(row)
        previous = row
    size = width // scale - 2 * border

    def dark(x: int, y: int) -> int:
        byte = rows[y][x // 8]
        return 0 if byte >> (7 - x % 8) & 1 else 1  # black is 0 in greyscale

    return [
        [dark((border + c) * scale, (border + r) * scale) for c in range(size)] for r in range(size)
    ]


@pytest.fixture
def maker(browser, users, settings, monkeypatch):  # type: ignore[no-untyped-def]
    """Registration office staff on a server with a public HTTPS address (logged in first: the
    test client does not send the then secure cookie over http)."""
    member = browser(users[Role.REGISTRATION_OFFICE])
    monkeypatch.setattr(settings, "public_url", PUBLIC)
    return member


# --- who may --------------------------------------------------------------------------------------


def test_the_registration_office_lands_on_the_qr_page(app, users):
    from tests.support.staff import PASSWORD, StaffBrowser

    member = StaffBrowser(app)
    response = member.login(users[Role.REGISTRATION_OFFICE].email, PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/staff/qr"
    page = member.get("/staff/qr")
    assert page.status_code == 200
    assert '<a href="/staff/qr" aria-current="page">QR-Codes</a>' in page.text


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.REGISTRATION_OFFICE])
def test_admins_coordinators_and_registration_offices_may_make_codes(browser, users, role):
    assert browser(users[role]).get("/staff/qr").status_code == 200


def test_a_caseworker_may_not(browser, users):
    caseworker = browser(users[Role.CASEWORKER])
    assert caseworker.get("/staff/qr").status_code == 403
    assert caseworker.get(f"/staff/qr/{OFFICE}.png").status_code == 403
    assert "QR-Codes" not in caseworker.get("/staff/calendar").text


# --- the page -------------------------------------------------------------------------------------


def test_the_page_offers_every_office_and_every_language_checked(maker, county):
    page = maker.get("/staff/qr").text
    for office in county.offices:
        assert f'<option value="{office["key"]}"' in page
    for code in county.languages:
        assert f'name="lang" value="{code}" checked' in page
    assert "PUBLIC_URL" not in page  # a public address: no warning
    # The first office is shown: its code inline, with a name, and the downloads.
    first = county.offices[0]["key"]
    assert re.search(r'<svg role="img"[^>]*class="qr"', page)
    assert f"<title>QR-Code für {county.offices[0]['name']}: {PUBLIC}/start?src={first}" in page
    assert f'href="/staff/qr/{first}.svg"' in page and f'href="/staff/qr/{first}.png"' in page
    assert f"/staff/qr/{first}/poster.pdf?lang=de&amp;lang=en&amp;lang=ar" in page


def test_the_chosen_office_and_languages_go_to_the_poster_link(maker):
    page = maker.get(
        "/staff/qr", params={"office": OFFICE, "lang": ["ps", "ar", "xx"], "shown": "1"}
    ).text
    assert f"/staff/qr/{OFFICE}/poster.pdf?lang=ar&amp;lang=ps" in page
    assert 'value="ar" checked' in page and 'value="de" checked' not in page
    assert f"<code>{URL.split('://')[1]}</code>" in page
    none = maker.get("/staff/qr", params={"office": OFFICE, "shown": "1"}).text
    assert "Bitte mindestens eine Sprache" in none and "poster.pdf" not in none


def test_a_local_address_is_warned_about(browser, users, settings):
    assert settings.base_url.startswith("http://127.0.0.1")
    page = browser(users[Role.ADMIN]).get("/staff/qr").text
    assert 'role="alert"' in page and "PUBLIC_URL" in page


# --- the codes ------------------------------------------------------------------------------------


def test_the_svg_is_segnos_code_for_the_start_link(maker):
    response = maker.get(f"/staff/qr/{OFFICE}.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    expected = io.BytesIO()
    segno.make_qr(URL, error="m").save(expected, kind="svg", scale=8, border=4, title=URL)
    assert response.content == expected.getvalue()


def test_the_png_holds_the_modules_of_the_start_link(maker):
    response = maker.get(f"/staff/qr/{OFFICE}.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)
    expected = [list(row) for row in segno.make_qr(URL, error="m").matrix]
    assert png_modules(response.content, scale=16, border=4) == expected
    # ... and not those of another office.
    other = segno.make_qr(f"{PUBLIC}/start?src=buergerbuero-hoexter", error="m").matrix
    assert png_modules(response.content, scale=16, border=4) != [list(row) for row in other]


def test_an_unknown_office_has_no_code(browser, users):
    member = browser(users[Role.REGISTRATION_OFFICE])
    for path in ("nirgendwo.svg", "nirgendwo.png", "nirgendwo/poster.pdf"):
        assert member.get(f"/staff/qr/{path}").status_code == 404


# --- the poster -----------------------------------------------------------------------------------


def test_the_poster_has_one_block_per_chosen_language(maker):
    chosen = ["de", "en", "ar", "fa", "ps", "uk"]
    response = maker.get(f"/staff/qr/{OFFICE}/poster.pdf", params={"lang": chosen})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert 'filename="kim-plakat-buergerbuero-brakel.pdf"' in disposition
    pdf = response.content
    found = blocks(pdf)
    assert [code for code, _ in found] == chosen  # one block each, in the county's order
    for code, lines in found:
        if LANGUAGES[code].direction == "ltr":  # (right-to-left lines come out in visual order)
            assert " ".join(lines).startswith(gettext(code, posters.POSTER_WELCOME)), code
    text = pdf_text(pdf)
    for code in ("pl", "tr", "ro"):
        assert LANGUAGES[code].native_name not in text
    # The link to type in, the sender and the office.
    assert URL.split("://")[1] in text
    assert "Kreis Höxter" in text and "Bürgerbüro Brakel" in text
    # The names of the right-to-left languages are shaped: پښتو joins ښ on both sides, العربية
    # has an initial beh (uniFE91), a medial yeh (uniFEF4) and a final teh marbuta (uniFE94).
    assert {"uni069A.medi", "uniFE91", "uniFEF4", "uniFE94"} <= glyph_names(pdf)
    render_png(pdf, "poster-six-languages")


def test_the_poster_for_every_enabled_language_fits_one_page(maker, county):
    pdf = maker.get(f"/staff/qr/{OFFICE}/poster.pdf").content
    assert re.search(rb"/Count 1\b", pdf)
    assert [code for code, _ in blocks(pdf)] == county.languages
    render_png(pdf, "poster-all-languages")


def test_unknown_languages_are_left_out_and_none_is_refused(browser, users):
    member = browser(users[Role.REGISTRATION_OFFICE])
    pdf = member.get(f"/staff/qr/{OFFICE}/poster.pdf", params={"lang": ["ru", "xx"]}).content
    assert [code for code, _ in blocks(pdf)] == ["ru"]
    refused = member.get(f"/staff/qr/{OFFICE}/poster.pdf", params={"lang": ["xx"]})
    assert refused.status_code == 400


def test_arabic_persian_and_pashto_are_shaped_and_right_to_left(monkeypatch):
    """With full sentences in the three scripts (the catalogs' translations come later)."""
    catalog = {
        (code, message): text
        for code, (welcome, chat) in SENTENCES.items()
        for message, text in ((posters.POSTER_WELCOME, welcome), (posters.POSTER_CHAT, chat))
    }
    monkeypatch.setattr(
        posters,
        "gettext",
        lambda code, message, **kw: catalog.get((code, message)) or gettext(code, message, **kw),
    )
    pdf = posters.poster_pdf(
        url=URL, languages=["ar", "fa", "ps", "de"], county_name="Kreis Höxter",
        office_name="Bürgerbüro Brakel",
    )  # fmt: skip
    glyphs = glyph_names(pdf)
    for code, names in SHAPED_GLYPHS.items():
        missing = [name for name in names if name not in glyphs]
        assert not missing, f"{code}: not shaped: {missing}"
    text = pdf_text(pdf)
    # Logical order survives in the text layer (copy, search, screen readers).
    for word in ("لديك", "بنویسید", "پوښتنې", "ځای", "څوک", "پاڼه", "کوچنۍ"):
        assert word in text, word
    png = render_png(pdf, "poster-ar-fa-ps")
    assert png.stat().st_size > 10_000


# --- in Debian's Chromium -------------------------------------------------------------------------


def test_the_qr_page_meets_wcag_21_aa(app, users, settings, monkeypatch):
    import threading

    import uvicorn

    from scripts.stack import free_port
    from tests.support.browser import chromium, wcag_violations
    from tests.support.staff import PASSWORD

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    base = f"http://127.0.0.1:{port}"
    shots = PROJECT_ROOT / "test-artifacts" / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        with chromium() as browser:
            page = browser.new_page()
            page.goto(f"{base}/staff/login")
            page.get_by_label("E-Mail").fill(users[Role.REGISTRATION_OFFICE].email)
            page.get_by_label("Passwort").fill(PASSWORD)
            page.get_by_role("button", name="Anmelden").click()
            page.wait_for_url(re.compile(r"/staff/qr$"))
            assert page.get_by_role("img", name=re.compile("QR-Code für")).count() == 1
            assert wcag_violations(page) == ""
            page.get_by_label("Bürgerbüro", exact=True).select_option(OFFICE)
            page.get_by_role("checkbox", name=re.compile("Polnisch")).uncheck()
            page.get_by_role("button", name="Code und Plakat anzeigen").click()
            page.wait_for_url(re.compile(f"office={OFFICE}"))
            poster = page.get_by_role("link", name=re.compile("Plakat A4 als PDF"))
            assert "lang=pl" not in poster.get_attribute("href")
            assert wcag_violations(page) == ""
            page.screenshot(path=str(shots / "staff-qr.png"), full_page=True)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
