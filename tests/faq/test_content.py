"""Curated FAQ content: loading, municipality answers, drafts hidden, outdated translations."""

import re
import uuid

import pytest

from core.settings import PROJECT_ROOT
from faq.models import FaqAnswer, FaqTopic
from faq.schemas import FaqLanguageFile, read_faq_content
from faq.service import find_answer, is_outdated, load_faq_content, save_answer
from i18n.languages import LANGUAGES
from i18n.scripts import dominant_script
from scheduler.models import County
from scheduler.schemas import read_county_config

CONTENT = PROJECT_ROOT / "config" / "faq"
FAQ_INTENTS = [
    "faq_registration", "faq_residence", "faq_naturalisation", "faq_language_course", "faq_work",
    "faq_recognition", "faq_housing", "faq_health", "faq_school_childcare", "faq_benefits",
    "faq_family_reunification", "faq_counselling",
]  # fmt: skip


@pytest.fixture
def county(session):
    county = County(
        slug=f"test-{uuid.uuid4().hex[:6]}", name="Testkreis", default_language="de",
        enabled_languages="de,en,ar",
    )  # fmt: skip
    session.add(county)
    session.flush()
    return county


def language_file(language, answers, **extra):
    return FaqLanguageFile(language=language, answers=answers, **extra)


def test_county_answer_in_the_residents_language(session, county):
    load_faq_content(
        session,
        county,
        [
            language_file("de", {"faq_housing": "Wohnung: Text."}),
            language_file("en", {"faq_housing": "Housing: text."}),
        ],
    )
    assert find_answer(session, county.slug, "faq_housing", "en") == "Housing: text."
    assert find_answer(session, county.slug, "faq_housing", "ar") is None


def test_municipality_answer_wins_over_the_county_answer(session, county):
    load_faq_content(
        session,
        county,
        [
            language_file(
                "de",
                {"faq_registration": "Im Bürgerbüro Ihrer Stadt."},
                municipalities={"brakel": {"faq_registration": "Im Bürgerbüro Brakel."}},
            )
        ],
    )
    assert find_answer(session, county.slug, "faq_registration", "de", "brakel") == (
        "Im Bürgerbüro Brakel."
    )
    assert find_answer(session, county.slug, "faq_registration", "de", "nieheim") == (
        "Im Bürgerbüro Ihrer Stadt."
    )


def test_drafts_are_never_shown(session, county):
    load_faq_content(
        session, county, [language_file("de", {"faq_work": "Entwurf."}, review_state="draft")]
    )
    assert find_answer(session, county.slug, "faq_work", "de") is None


def test_a_changed_german_text_makes_translations_outdated(session, county):
    load_faq_content(
        session,
        county,
        [language_file("de", {"faq_health": "Alt."}), language_file("en", {"faq_health": "Old."})],
    )
    topic = session.query(FaqTopic).filter_by(county_id=county.id, key="faq_health").one()
    english = session.query(FaqAnswer).filter_by(topic=topic, language="en").one()
    assert not is_outdated(session, english)

    save_answer(session, topic, "*", "de", "Neu.", "reviewed")
    assert is_outdated(session, english)

    save_answer(session, topic, "*", "en", "New.", "reviewed")
    assert not is_outdated(session, english)


def test_loading_twice_changes_nothing(session, county):
    files = [
        language_file("de", {"faq_work": "Arbeit."}),
        language_file("en", {"faq_work": "Work."}),
    ]
    load_faq_content(session, county, files)
    load_faq_content(session, county, files)
    answers = session.query(FaqAnswer).join(FaqTopic).filter(FaqTopic.county_id == county.id).all()
    assert sorted((a.language, a.version) for a in answers) == [("de", 1), ("en", 1)]


def test_content_files_refuse_unknown_topics_and_languages():
    with pytest.raises(ValueError, match="faq_"):
        language_file("de", {"housing": "x"})
    with pytest.raises(ValueError, match="unknown language"):
        language_file("xx", {"faq_work": "x"})


# --- the shipped content -------------------------------------------------------------------


def shipped():
    for path in sorted((PROJECT_ROOT / "config" / "counties").glob("*.yml")):
        config = read_county_config(path)
        if (CONTENT / config.slug).is_dir():
            files = {f.language: f for f in read_faq_content(CONTENT / config.slug)}
            yield config, files


@pytest.mark.parametrize(("config", "files"), list(shipped()), ids=lambda v: getattr(v, "slug", ""))
def test_every_enabled_language_answers_every_topic(config, files):
    for language in config.languages:
        assert language in files, f"{config.slug}: no FAQ file for {language}"
        missing = sorted(set(FAQ_INTENTS) - set(files[language].answers))
        assert not missing, f"{config.slug}/{language}: missing {missing}"


@pytest.mark.parametrize(("config", "files"), list(shipped()), ids=lambda v: getattr(v, "slug", ""))
def test_translations_keep_the_facts_and_the_script(config, files):
    """Same numbers as the German source (deadlines, ages, phone numbers), nothing invented."""
    source = files["de"].answers
    for language, content in files.items():
        for topic, text in content.answers.items():
            numbers = sorted(re.findall(r"\d+", source[topic]))
            found = sorted(re.findall(r"\d+", text.translate(_WESTERN_DIGITS)))
            assert found == numbers, f"{language}/{topic}: {found} != {numbers}"
            assert dominant_script(text) == LANGUAGES[language].script, f"{language}/{topic}"


_WESTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
