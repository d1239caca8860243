"""Consent and screening answers: what is kept, what gets the buttons again."""

from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from tests.actions.test_booking import responses, tracker

FIELDS = {
    "household": ["single", "family"],
    "life_areas": ["housing", "health"],
    "benefits": ["sgb2", "none"],
    "age": [],
    "arrival_date": [],
}


async def test_age_in_arabic_or_persian_digits_and_words_around_it():
    form, dispatcher = ValidateBookingForm(), CollectingDispatcher()
    for typed in ("34", "٣٤", "۳۴ سال", "I am 34"):
        assert await form.validate_screen_age(typed, dispatcher, tracker(), domain={}) == {
            "screen_age": 34
        }
    assert await form.validate_screen_age("old", dispatcher, tracker(), domain={}) == {
        "screen_age": None
    }
    assert responses(dispatcher) == ["utter_screen_age_invalid"]


async def test_life_areas_are_collected_until_done_and_typed_words_get_the_buttons():
    form, dispatcher = ValidateBookingForm(), CollectingDispatcher()
    slots = {"screening_fields": FIELDS, "screen_picked": ["housing"]}
    more = await form.validate_screen_life_areas("health", dispatcher, tracker(slots), domain={})
    assert more == {"screen_life_areas": None, "screen_picked": ["housing", "health"]}
    done = await form.validate_screen_life_areas("done", dispatcher, tracker(slots), domain={})
    assert done == {"screen_life_areas": ["housing"], "screen_picked": []}
    nothing = await form.validate_screen_life_areas("none", dispatcher, tracker(slots), domain={})
    assert nothing["screen_life_areas"] == []
    # "No money from the authorities" is an answer code of its own, not an empty list.
    no_benefits = await form.validate_screen_benefits("none", dispatcher, tracker(slots), domain={})
    assert no_benefits["screen_benefits"] == ["none"]
    typed = await form.validate_screen_life_areas("my flat", dispatcher, tracker(slots), domain={})
    assert typed["screen_picked"] == ["housing"]
    assert responses(dispatcher) == ["utter_screening_use_buttons"]


async def test_arrival_month_in_the_ways_people_write_it():
    form, dispatcher = ValidateBookingForm(), CollectingDispatcher()
    for typed in ("03/2024", "3.2024", "2024-03", "15.03.2024", "٠٣/٢٠٢٤", "March 2024"):
        result = await form.validate_screen_arrival_date(typed, dispatcher, tracker(), domain={})
        assert result == {"screen_arrival_date": "2024-03-01"}, typed
    for nonsense in ("13/2024", "soon", "2090"):
        result = await form.validate_screen_arrival_date(nonsense, dispatcher, tracker(), domain={})
        assert result == {"screen_arrival_date": None}
    assert responses(dispatcher) == ["utter_screen_date_invalid"] * 3


async def test_a_choice_takes_a_button_code_or_skip_never_typed_words():
    form, dispatcher = ValidateBookingForm(), CollectingDispatcher()
    slots = {"screening_fields": FIELDS}
    for value, expected in (("family", "family"), ("skip", "skip"), ("my wife", None)):
        result = await form.validate_screen_household(value, dispatcher, tracker(slots), domain={})
        assert result == {"screen_household": expected}
    assert responses(dispatcher) == ["utter_screening_use_buttons"]
