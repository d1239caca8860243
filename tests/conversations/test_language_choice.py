from conversations.models import Conversation
from conversations.service import (
    LAST_MESSAGE_PRECISION,
    choose_language,
    pseudonym,
    record_message,
)

ENABLED = ["de", "en", "ar"]


def test_pseudonym_is_stable_and_hides_the_sender():
    first = pseudonym("pepper", "whatsapp", "+4917612345678")
    assert first == pseudonym("pepper", "whatsapp", "+4917612345678")
    assert "4917612345678" not in first
    assert first != pseudonym("other-pepper", "whatsapp", "+4917612345678")
    assert first != pseudonym("pepper", "sms", "+4917612345678")


def test_explicit_choice_wins_over_the_text():
    assert choose_language("Hallo", "ar", None, ENABLED, "de").language == "ar"


def test_weak_evidence_keeps_the_current_language():
    choice = choose_language("ok", None, "ar", ENABLED, "de")
    assert (choice.language, choice.origin) == ("ar", "kept")


def test_strong_evidence_switches():
    choice = choose_language("hello", None, "de", ENABLED, "de")
    assert (choice.language, choice.origin) == ("en", "detected")


def test_no_evidence_in_a_new_conversation_gives_the_default():
    choice = choose_language("/greet", None, None, ENABLED, "de")
    assert (choice.language, choice.origin) == ("de", "default")


def test_record_message_keeps_language_and_first_source(session):
    record_message(session, "conv-a", "web", "مرحبا", None, "ewo-hoexter", ENABLED, "de")
    conversation, switched = record_message(
        session, "conv-a", "web", "ok", None, "x", ENABLED, "de"
    )
    assert not switched
    assert session.get(Conversation, "conv-a") is conversation
    assert (conversation.language, conversation.source) == ("ar", "ewo-hoexter")


def test_the_last_message_time_is_kept_to_the_minute(session):
    conversation, _ = record_message(session, "conv-t", "web", "Hallo", None, None, ENABLED, "de")
    first = conversation.last_message_at
    record_message(session, "conv-t", "web", "Termin", None, None, ENABLED, "de")
    assert conversation.last_message_at == first  # seconds later: no write
    conversation.last_message_at = first - LAST_MESSAGE_PRECISION
    record_message(session, "conv-t", "web", "danke", None, None, ENABLED, "de")
    assert conversation.last_message_at > first


def test_a_language_button_is_an_explicit_choice():
    choice = choose_language('/switch_language{"language": "ar"}', None, "de", ENABLED, "de")
    assert (choice.language, choice.origin) == ("ar", "explicit")


def test_a_malformed_or_unknown_language_button_changes_nothing():
    for text in ('/switch_language{"language": "xx"}', "/switch_language{oops", "/switch_language"):
        assert choose_language(text, None, "en", ENABLED, "de").language == "en"


def test_words_in_another_language_switch_and_say_so(session):
    _, switched = record_message(session, "conv-b", "web", "Hallo", None, None, ENABLED, "de")
    assert not switched  # a new conversation has nothing to switch from
    conversation, switched = record_message(
        session, "conv-b", "web", "I have a question about my residence permit", None, None,
        ENABLED, "de",
    )  # fmt: skip
    assert switched and conversation.language == "en"
    _, switched = record_message(session, "conv-b", "web", "/greet", "ar", None, ENABLED, "de")
    assert not switched  # explicit choices are confirmed by the dialogue itself
