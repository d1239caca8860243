"""The county configuration file (`config/counties/<slug>.yml`), validated before it is loaded."""

from datetime import date, time
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from i18n.languages import LANGUAGES
from intake.adapters import CaseSystemConfig
from intake.screening import ScreeningConfig
from intake.triage import TriageConfig


class ClusterConfig(BaseModel):
    key: str = Field(min_length=1, max_length=32)
    name: str
    municipalities: list[str] = Field(min_length=1)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Key = Field(pattern=r"^[a-z0-9-]+$", max_length=64)


class BookingRules(BaseModel):
    """How residents may book: slot length per service, how early and how far ahead."""

    services: dict[str, int] = {"intake": 60}
    lead_days: int = Field(1, ge=0)
    horizon_days: int = Field(56, ge=1, le=366)
    hold_minutes: int = Field(10, ge=1, le=60)
    reminder_hours: int = Field(24, ge=1, le=168)


class ContactConfig(BaseModel):
    name: str
    phone: str
    email: str


class ClosureConfig(BaseModel):
    date: date
    reason: str = ""


class AbsenceConfig(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    starts: date = Field(alias="from")
    ends: date = Field(alias="until")
    cover: str | None = None


class CaseManagerConfig(BaseModel):
    key: str = Key
    name: str
    email: str = ""
    languages: list[str] = []
    absences: list[AbsenceConfig] = []


class OfficeHoursConfig(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    case_manager: str
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    starts: time = Field(alias="from")
    ends: time = Field(alias="until")
    valid_from: date | None = None
    valid_until: date | None = None
    services: list[str] = ["intake"]

    @model_validator(mode="after")
    def _ordered(self) -> "OfficeHoursConfig":
        if self.ends <= self.starts:
            raise ValueError("office hours must end after they start")
        return self


class LocationConfig(BaseModel):
    key: str = Key
    municipality: str
    name: str
    address: str
    room: str = ""
    step_free: bool = False
    bus: str = ""
    serves: list[str] = []
    office_hours: list[OfficeHoursConfig] = []


class OfficeConfig(BaseModel):
    """A registration office (Bürgerbüro, Einwohnermeldeamt) where residents find the QR poster.

    Its key is the `src` of the poster's link, stored with each conversation as its source.
    """

    key: str = Key
    name: str
    municipality: str


class CountyConfig(BaseModel):
    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    timezone: str = "Europe/Berlin"
    default_language: str = "de"
    languages: list[str] = Field(min_length=1)
    clusters: list[ClusterConfig] = Field(min_length=1)
    booking: BookingRules = BookingRules()
    contact: ContactConfig | None = None
    closures: list[ClosureConfig] = []
    case_managers: list[CaseManagerConfig] = []
    locations: list[LocationConfig] = []
    offices: list[OfficeConfig] = []
    # Who is referred where: the rules and the service directory (intake/triage.py).
    triage: TriageConfig = TriageConfig()
    case_system: CaseSystemConfig = CaseSystemConfig()
    screening: ScreeningConfig = ScreeningConfig()

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, codes: list[str]) -> list[str]:
        unknown = [code for code in codes if code not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language codes: {', '.join(unknown)}")
        return codes

    @model_validator(mode="after")
    def _consistent(self) -> "CountyConfig":
        if self.default_language not in self.languages:
            raise ValueError("default_language must be one of languages")
        names = [name for cluster in self.clusters for name in cluster.municipalities]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"municipalities in more than one cluster: {', '.join(duplicates)}")
        self._check_references(set(names))
        return self

    def _check_references(self, municipalities: set[str]) -> None:
        offices = [office.key for office in self.offices]
        duplicates = sorted({key for key in offices if offices.count(key) > 1})
        if duplicates:
            raise ValueError(f"offices listed twice: {', '.join(duplicates)}")
        for office in self.offices:
            if office.municipality not in municipalities:
                raise ValueError(f"{office.key}: unknown municipality {office.municipality!r}")
        managers = {manager.key for manager in self.case_managers}
        for manager in self.case_managers:
            for absence in manager.absences:
                if absence.cover is not None and absence.cover not in managers | {None}:
                    raise ValueError(f"{manager.key}: unknown cover {absence.cover!r}")
        for location in self.locations:
            for name in [location.municipality, *location.serves]:
                if name not in municipalities:
                    raise ValueError(f"{location.key}: unknown municipality {name!r}")
            for hours in location.office_hours:
                if hours.case_manager not in managers:
                    raise ValueError(f"{location.key}: unknown case manager {hours.case_manager!r}")
                unknown = set(hours.services) - set(self.booking.services)
                if unknown:
                    raise ValueError(f"{location.key}: unknown services {sorted(unknown)}")


def read_county_config(path: Path) -> CountyConfig:
    return CountyConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
