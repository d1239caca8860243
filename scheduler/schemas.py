"""The county configuration file (`config/counties/<slug>.yml`), validated before it is loaded."""

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

from i18n.languages import LANGUAGES


class ClusterConfig(BaseModel):
    key: str = Field(min_length=1, max_length=32)
    name: str
    municipalities: list[str] = Field(min_length=1)


class CountyConfig(BaseModel):
    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    timezone: str = "Europe/Berlin"
    default_language: str = "de"
    languages: list[str] = Field(min_length=1)
    clusters: list[ClusterConfig] = Field(min_length=1)

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
        return self


def read_county_config(path: Path) -> CountyConfig:
    return CountyConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
