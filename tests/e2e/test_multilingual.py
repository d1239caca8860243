"""Every enabled language: a FAQ question, a language switch and an emergency, end to end."""

import pytest

from core.settings import get_settings
from faq.schemas import read_faq_content
from scheduler.schemas import read_county_config
from tests.e2e.test_conversation import Resident

pytestmark = pytest.mark.e2e

COUNTY = read_county_config(get_settings().counties_dir / "hoexter.yml")
FAQ = {
    f.language: f.answers
    for f in read_faq_content(get_settings().counties_dir.parent / "faq" / COUNTY.slug)
}
# One realistic question per language, asked about registering an address (faq_registration).
REGISTRATION_QUESTION = {
    "de": "wie mache ich die anmeldung von meiner wohnung",
    "en": "how do i register my address, anmeldung",
    "ar": "كيف اسجل عنواني في البلدية",
    "fa": "چطور آدرس خونه رو ثبت کنم، anmeldung",
    "ps": "زه څنګه خپل پته ثبت کړم",
    "ku": "ez çawa navnîşana xwe qeyd bikim",
    "tr": "adresimi nasıl kaydettiririm, anmeldung",
    "uk": "як зареєструвати адресу, анмельдунг",
    "ru": "как прописаться по адресу, анмельдунг",
    "ro": "cum îmi înregistrez adresa, anmeldung",
    "bg": "как да регистрирам адреса си, анмелдунг",
    "pl": "jak zameldować się pod adresem, anmeldung",
}


@pytest.mark.parametrize("language", COUNTY.languages)
def test_faq_question_gets_the_curated_answer_in_that_language(front_door, language):
    reply = Resident(front_door).says(REGISTRATION_QUESTION[language])
    assert reply["language"] == language
    assert reply["messages"][0]["text"] == FAQ[language]["faq_registration"]


@pytest.mark.parametrize("language", COUNTY.languages)
def test_language_buttons_switch_the_conversation(front_door, language):
    resident = Resident(front_door)
    resident.says("Hallo")
    choice = resident.says("/switch_language")
    buttons = {b["payload"]: b["title"] for b in choice["messages"][0]["buttons"]}
    payload = f'/switch_language{{"language": "{language}"}}'
    assert payload in buttons
    reply = resident.says(payload)
    assert reply["language"] == language
    assert resident.says("/faq_counselling")["language"] == language


@pytest.mark.parametrize("language", COUNTY.languages)
def test_emergency_gets_the_numbers_at_once(front_door, language):
    emergency = {
        "de": "hilfe mein mann schlägt mich",
        "en": "help my husband is hitting me",
        "ar": "ساعدوني زوجي يضربني",
        "fa": "کمک شوهرم منو میزنه",
        "ps": "مرسته وکړئ، میړه مې ما وهي",
        "ku": "alîkarî mêrê min li min dixe",
        "tr": "yardım edin kocam beni dövüyor",
        "uk": "допоможіть чоловік мене б'є",
        "ru": "помогите муж меня бьёт",
        "ro": "ajutor sotul meu ma bate",
        "bg": "помощ мъжът ми ме бие",
        "pl": "pomocy mąż mnie bije",
    }[language]
    text = Resident(front_door).says(emergency)["messages"][0]["text"]
    for number in ("110", "112", "116 016", "0800 111 0 111", "116 117"):
        assert number in text, f"{language}: {number} missing in {text!r}"
