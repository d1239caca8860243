"""Slots come from weekly office hours, minus holidays, closures and absences, in local time."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from scheduler.models import CaseManager, Location, Municipality
from scheduler.slots import generate_slots, parse_slot_key, search_slots
from tests.scheduler.conftest import SATURDAY_BEFORE_SPRING


def town(session, county, name):
    return session.scalar(
        select(Municipality).where(Municipality.county_id == county.id, Municipality.name == name)
    )


def locations(session, county):
    return list(session.scalars(select(Location).where(Location.county_id == county.id)))


def starts(slots):
    return [s.starts_at for s in slots]


def test_monday_hours_give_three_hour_slots_at_local_time_across_the_spring_clock_change(
    session, test_county
):
    nord = [loc for loc in locations(session, test_county) if loc.key == "nordstadt-rathaus"]
    slots = generate_slots(session, test_county, nord, date(2027, 3, 22), date(2027, 4, 5))
    assert starts(slots) == [
        # Monday 22 March, winter time (UTC+1): 09:00 local is 08:00 UTC.
        datetime(2027, 3, 22, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 22, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 22, 10, 0, tzinfo=UTC),
        # Monday 29 March 2027 is Easter Monday (the day after the clocks change): no slots.
        # Monday 5 April, summer time (UTC+2): still 09:00 local, now 07:00 UTC.
        datetime(2027, 4, 5, 7, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 8, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 9, 0, tzinfo=UTC),
    ]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=60) for s in slots)


def nordstadt_only(*office_hours: dict) -> list[dict]:
    """One location in Nordstadt, held by cm-nord, with these weekly hours."""
    return [
        {
            "key": "nordstadt-rathaus",
            "municipality": "Nordstadt",
            "name": "Rathaus Nordstadt",
            "address": "Markt 1",
            "office_hours": [{"case_manager": "cm-nord", **hours} for hours in office_hours],
        }
    ]


def test_autumn_clock_change_and_all_saints_day(session, make_county):
    county = session.merge(
        make_county(
            locations=nordstadt_only(
                *({"weekday": day, "from": "09:00", "until": "10:00"} for day in ("mon", "tue"))
            )
        )
    )
    slots = generate_slots(
        session, county, locations(session, county), date(2027, 10, 25), date(2027, 11, 2)
    )
    assert starts(slots) == [
        datetime(2027, 10, 25, 7, 0, tzinfo=UTC),  # Monday, summer time
        datetime(2027, 10, 26, 7, 0, tzinfo=UTC),  # Tuesday, summer time
        # Monday 1 November is Allerheiligen, a public holiday in NRW: no slot.
        datetime(2027, 11, 2, 8, 0, tzinfo=UTC),  # Tuesday, winter time
    ]


def test_county_closure_days_and_validity_dates(session, make_county):
    county = session.merge(
        make_county(
            closures=[{"date": "2027-03-22", "reason": "Betriebsausflug"}],
            locations=nordstadt_only(
                {
                    "weekday": "mon",
                    "from": "09:00",
                    "until": "10:00",
                    "valid_from": "2027-03-15",
                    "valid_until": "2027-04-05",
                }
            ),
        )
    )
    slots = generate_slots(
        session, county, locations(session, county), date(2027, 3, 1), date(2027, 4, 30)
    )
    # 1 and 8 March: not yet valid; 22 March: closed; 29 March: Easter Monday;
    # 5 April: the last valid day; 12 April: no longer valid.
    assert [s.starts_at.date() for s in slots] == [date(2027, 3, 15), date(2027, 4, 5)]


def test_absence_with_cover_moves_the_slot_to_the_colleague_and_without_cover_removes_it(
    session, make_county
):
    county = session.merge(
        make_county(
            case_managers=[
                {
                    "key": "cm-nord",
                    "name": "CM Nord",
                    "absences": [
                        {"from": "2027-03-22", "until": "2027-03-26", "cover": "cm-sued"},
                        {"from": "2027-04-12", "until": "2027-04-12"},
                    ],
                },
                {"key": "cm-sued", "name": "CM Süd"},
            ]
        )
    )
    nord = [loc for loc in locations(session, county) if loc.key == "nordstadt-rathaus"]
    slots = generate_slots(session, county, nord, date(2027, 3, 22), date(2027, 4, 12))
    holders = {s.starts_at.date(): s.case_manager_id for s in slots}
    managers = {m.key: m.id for m in county_managers(session, county)}
    assert holders == {
        date(2027, 3, 22): managers["cm-sued"],  # away, the colleague covers
        date(2027, 4, 5): managers["cm-nord"],  # back (29 March is Easter Monday)
        # 12 April: away without cover, so no slot.
    }


def county_managers(session, county):
    return session.scalars(select(CaseManager).where(CaseManager.county_id == county.id))


def test_search_offers_own_town_first_then_the_cluster_and_pages_through_other_days(
    session, test_county
):
    nebendorf = town(session, test_county, "Nebendorf")  # no Sprechstunde of its own
    result = search_slots(session, test_county, nebendorf, SATURDAY_BEFORE_SPRING)
    assert result.scope == "cluster"
    assert [s.starts_at for s in result.slots] == [
        # Two per day at most, so the resident sees more than one day.
        datetime(2027, 3, 22, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 22, 9, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 7, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 8, 0, tzinfo=UTC),
    ]
    # "Other days" goes on with the day after the last one shown.
    later = search_slots(
        session, test_county, nebendorf, SATURDAY_BEFORE_SPRING, after=result.next_after
    )
    assert later.slots[0].starts_at == datetime(2027, 4, 12, 7, 0, tzinfo=UTC)

    suedheim = town(session, test_county, "Südheim")
    own = search_slots(session, test_county, suedheim, SATURDAY_BEFORE_SPRING)
    assert own.scope == "own"
    assert {s.location_id for s in own.slots} == {
        loc.id for loc in locations(session, test_county) if loc.key == "suedheim-rathaus"
    }


def test_horizon_and_lead_time(session, test_county):
    nordstadt = town(session, test_county, "Nordstadt")
    # Monday 09:30 local: today's slots are too soon (lead time one day); next Monday is
    # Easter Monday.
    monday = datetime(2027, 3, 22, 8, 30, tzinfo=UTC)
    result = search_slots(session, test_county, nordstadt, monday, limit=100)
    assert result.slots[0].starts_at.date() == date(2027, 4, 5)
    assert max(s.starts_at for s in result.slots) <= monday + timedelta(days=56)
    assert result.next_after is None


def test_slot_keys_round_trip_and_nonsense_keys_are_refused():
    key = parse_slot_key("3-7-202703220800-intake")
    assert key is not None
    assert (key.location_id, key.case_manager_id, key.service) == (3, 7, "intake")
    assert key.starts_at == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    for nonsense in ("", "abc", "3-7-2027-intake", "x-7-202703220800-intake", "3-7-209913450800-i"):
        assert parse_slot_key(nonsense) is None
