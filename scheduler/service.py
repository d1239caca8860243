"""Writes of the county's structure (places, people, office hours); bookings: bookings.py."""

import secrets
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import (
    Absence,
    CaseManager,
    Closure,
    Cluster,
    County,
    Location,
    Municipality,
    OfficeHours,
)
from scheduler.schemas import WEEKDAYS, CountyConfig

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "-"})


def slugify(name: str) -> str:
    return name.lower().translate(_TRANSLITERATION)


def load_county(session: Session, config: CountyConfig) -> County:
    """Create or update a county from its config; running it twice changes nothing."""
    county = session.scalar(select(County).where(County.slug == config.slug))
    if county is None:
        county = County(slug=config.slug)
        session.add(county)
    county.name = config.name
    county.timezone = config.timezone
    county.default_language = config.default_language
    county.enabled_languages = ",".join(config.languages)
    county.booking_rules = config.booking.model_dump()
    county.contact = config.contact.model_dump() if config.contact else {}
    county.triage = config.triage.model_dump()
    county.case_system = config.case_system.model_dump()
    county.screening = config.screening.model_dump()
    county.offices = [office.model_dump() for office in config.offices]
    session.flush()

    clusters = {c.key: c for c in session.scalars(select(Cluster).where(Cluster.county == county))}
    municipalities = {
        m.slug: m
        for m in session.scalars(select(Municipality).where(Municipality.county == county))
    }
    for cluster_config in config.clusters:
        cluster = clusters.get(cluster_config.key)
        if cluster is None:
            cluster = Cluster(county=county, key=cluster_config.key)
            session.add(cluster)
        cluster.name = cluster_config.name
        for name in cluster_config.municipalities:
            municipality = municipalities.get(slugify(name))
            if municipality is None:
                municipality = Municipality(county=county, slug=slugify(name))
                session.add(municipality)
            municipality.name = name
            municipality.cluster = cluster
    session.flush()
    _load_people_and_places(session, county, config)
    return county


def _load_people_and_places(session: Session, county: County, config: CountyConfig) -> None:
    municipalities = {
        m.slug: m
        for m in session.scalars(select(Municipality).where(Municipality.county == county))
    }
    managers = {
        m.key: m for m in session.scalars(select(CaseManager).where(CaseManager.county == county))
    }
    for manager_config in config.case_managers:
        manager = managers.get(manager_config.key)
        if manager is None:
            manager = CaseManager(
                county=county, key=manager_config.key, feed_token=secrets.token_urlsafe(24)
            )
            session.add(manager)
            managers[manager.key] = manager
        manager.name = manager_config.name
        manager.email = manager_config.email
        manager.languages = ",".join(manager_config.languages)
    session.flush()
    for manager_config in config.case_managers:
        manager = managers[manager_config.key]
        manager.absences = [
            Absence(
                starts=a.starts,
                ends=a.ends,
                cover_id=managers[a.cover].id if a.cover else None,
            )
            for a in manager_config.absences
        ]

    locations = {
        loc.key: loc for loc in session.scalars(select(Location).where(Location.county == county))
    }
    for location_config in config.locations:
        location = locations.get(location_config.key)
        if location is None:
            location = Location(county=county, key=location_config.key)
            session.add(location)
        location.municipality = municipalities[slugify(location_config.municipality)]
        location.serves = [municipalities[slugify(name)] for name in location_config.serves]
        location.name = location_config.name
        location.address = location_config.address
        location.room = location_config.room
        location.step_free = location_config.step_free
        location.bus = location_config.bus
        location.office_hours = [
            OfficeHours(
                case_manager=managers[h.case_manager],
                weekday=WEEKDAYS.index(h.weekday),
                starts=h.starts,
                ends=h.ends,
                valid_from=h.valid_from,
                valid_until=h.valid_until,
                services=",".join(h.services),
            )
            for h in location_config.office_hours
        ]

    closures = {
        c.day: c
        for c in session.scalars(
            select(Closure).where(Closure.county == county, Closure.location_id.is_(None))
        )
    }
    for closure_config in config.closures:
        closure = closures.get(closure_config.date)
        if closure is None:
            session.add(
                Closure(county=county, day=closure_config.date, reason=closure_config.reason)
            )
        else:
            closure.reason = closure_config.reason
    session.flush()


def get_county(session: Session, slug: str) -> County | None:
    return session.scalar(select(County).where(County.slug == slug))


class ScheduleError(ValueError):
    """A message for the editor filling in the form (staff pages are in German)."""


def add_office_hours(
    session: Session,
    location: Location,
    manager: CaseManager,
    *,
    weekday: int,
    starts: time,
    ends: time,
    valid_from: date | None = None,
    valid_until: date | None = None,
    services: str = "intake",
) -> OfficeHours:
    """A new weekly Sprechstunde. Bookings already made stay where they are."""
    if not 0 <= weekday <= 6:
        raise ScheduleError("Bitte einen Wochentag wählen.")
    if starts >= ends:
        raise ScheduleError("Das Ende muss nach dem Beginn liegen.")
    if valid_from and valid_until and valid_from > valid_until:
        raise ScheduleError("„Gültig bis“ muss nach „gültig ab“ liegen.")
    clash = session.scalar(
        select(OfficeHours).where(
            OfficeHours.case_manager_id == manager.id,
            OfficeHours.weekday == weekday,
            OfficeHours.starts < ends,
            OfficeHours.ends > starts,
        )
    )
    if clash is not None and _periods_overlap(clash, valid_from, valid_until):
        raise ScheduleError(
            f"{manager.name} hat an diesem Tag zu dieser Zeit schon eine Sprechstunde "
            f"({clash.location.name})."
        )
    hours = OfficeHours(
        location_id=location.id,
        case_manager_id=manager.id,
        weekday=weekday,
        starts=starts,
        ends=ends,
        valid_from=valid_from,
        valid_until=valid_until,
        services=services,
    )
    session.add(hours)
    session.flush()
    return hours


def _periods_overlap(hours: OfficeHours, valid_from: date | None, valid_until: date | None) -> bool:
    return (
        hours.valid_until is None or valid_from is None or valid_from <= hours.valid_until
    ) and (hours.valid_from is None or valid_until is None or hours.valid_from <= valid_until)


def remove_office_hours(session: Session, hours: OfficeHours) -> None:
    session.delete(hours)
    session.flush()


def add_closure(
    session: Session, county: County, day: date, reason: str, location: Location | None = None
) -> Closure:
    closure = Closure(
        county_id=county.id,
        location_id=location.id if location else None,
        day=day,
        reason=reason.strip()[:200],
    )
    session.add(closure)
    session.flush()
    return closure


def remove_closure(session: Session, closure: Closure) -> None:
    session.delete(closure)
    session.flush()


def add_absence(
    session: Session, manager: CaseManager, starts: date, ends: date, cover: CaseManager | None
) -> Absence:
    if starts > ends:
        raise ScheduleError("Das Ende der Abwesenheit muss nach dem Beginn liegen.")
    if cover is not None and cover.id == manager.id:
        raise ScheduleError("Die Vertretung muss eine andere Person sein.")
    absence = Absence(
        case_manager_id=manager.id,
        starts=starts,
        ends=ends,
        cover_id=cover.id if cover else None,
    )
    session.add(absence)
    session.flush()
    return absence


def remove_absence(session: Session, absence: Absence) -> None:
    session.delete(absence)
    session.flush()
