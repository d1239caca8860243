"""Triage: ordered rules per county over the screening answers; the first rule that matches wins.

Rules are configuration (`triage.rules` in config/counties/<slug>.yml), written in a small
condition language that is checked when the county is loaded and evaluated here without any
`eval`:

    {field: age, between: [18, 27]}            numbers, inclusive
    {field: age, at_least: 28} / {at_most: 27}
    {field: residence_status, in: [duldung, gestattung]}
    {field: residence_status, equals: eu_citizen}
    {field: services_involved, contains: jmd}  list answers
    {field: life_areas, empty: true}           answered with nothing (an empty list)
    {all: [...]} / {any: [...]} / {not: {...}} / {always: true}

An answer the resident skipped ("don't know") is missing and matches no field condition, not
even `empty`: a skipped question falls through to later rules.
"""

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from intake.screening import FIELD_TITLES_DE, FIELDS, german_label

Outcome = Literal["information", "referral", "kim_appointment", "urgent"]
# How staff pages and reports name the outcomes.
OUTCOME_LABELS_DE = {
    "information": "Information",
    "referral": "Weiterleitung an einen Fachdienst",
    "kim_appointment": "Termin im Case Management",
    "urgent": "Dringend",
}
COMPARISONS = ("equals", "in", "contains", "between", "at_least", "at_most", "empty")
COMBINATIONS = ("all", "any", "not", "always")


class InvalidCondition(ValueError):
    pass


def check_condition(condition: Any, path: str = "when") -> None:
    """Refuses anything the evaluator would not understand, at load time, with its place."""
    if not isinstance(condition, dict) or not condition:
        raise InvalidCondition(f"{path}: a condition must be a mapping")
    keys = set(condition)
    if "field" in keys:
        operators = keys - {"field"}
        if len(operators) != 1 or not operators <= set(COMPARISONS):
            raise InvalidCondition(
                f"{path}: a field needs exactly one of {', '.join(COMPARISONS)}, got {sorted(keys)}"
            )
        operator = operators.pop()
        value = condition[operator]
        if operator == "between" and not (
            isinstance(value, list) and len(value) == 2 and all(_number(v) for v in value)
        ):
            raise InvalidCondition(f"{path}: between needs [low, high]")
        if operator in ("at_least", "at_most") and not _number(value):
            raise InvalidCondition(f"{path}: {operator} needs a number")
        if operator == "in" and not isinstance(value, list):
            raise InvalidCondition(f"{path}: in needs a list")
        return
    if len(keys) != 1 or not keys <= set(COMBINATIONS):
        raise InvalidCondition(f"{path}: unknown condition {sorted(keys)}")
    (combination,) = keys
    value = condition[combination]
    if combination == "always":
        if value is not True:
            raise InvalidCondition(f"{path}: always must be true")
    elif combination == "not":
        check_condition(value, f"{path}.not")
    else:
        if not isinstance(value, list) or not value:
            raise InvalidCondition(f"{path}: {combination} needs a list of conditions")
        for index, part in enumerate(value):
            check_condition(part, f"{path}.{combination}[{index}]")


def check_fields(condition: dict, path: str) -> None:
    """Only fields and answer codes the screening knows (intake/screening.py)."""
    if "field" not in condition:
        ((combination, value),) = condition.items()
        parts = [value] if combination == "not" else value if combination != "always" else []
        for part in parts:
            check_fields(part, path)
        return
    name = condition["field"]
    if name not in FIELDS:
        raise InvalidCondition(f"{path}: unknown field {name!r}")
    kind, codes = FIELDS[name]
    operator, value = next((k, v) for k, v in condition.items() if k != "field")
    values = value if operator == "in" else [value] if operator in ("equals", "contains") else []
    if codes:
        unknown = [v for v in values if v not in codes]
        if unknown:
            raise InvalidCondition(f"{path}: {name} has no answer {unknown}")
    if operator in ("between", "at_least", "at_most") and kind != "number":
        raise InvalidCondition(f"{path}: {name} is not a number")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def matches(condition: dict, answers: dict[str, Any]) -> bool:
    if "field" not in condition:
        ((combination, value),) = condition.items()
        if combination == "always":
            return True
        if combination == "not":
            return not matches(value, answers)
        results = (matches(part, answers) for part in value)
        return all(results) if combination == "all" else any(results)
    answer = answers.get(condition["field"])
    if answer is None:
        return False
    if "empty" in condition:
        return (answer in ([], "")) == bool(condition["empty"])
    if "equals" in condition:
        return answer == condition["equals"]
    if "in" in condition:
        return answer in condition["in"]
    if "contains" in condition:
        return isinstance(answer, list) and condition["contains"] in answer
    if not _number(answer):
        return False
    if "between" in condition:
        low, high = condition["between"]
        return low <= answer <= high
    if "at_least" in condition:
        return answer >= condition["at_least"]
    return answer <= condition["at_most"]


def describe(condition: dict) -> str:
    """The condition in German, as the triage page shows it to staff."""
    if "field" not in condition:
        ((combination, value),) = condition.items()
        if combination == "always":
            return "immer (alle übrigen Fälle)"
        if combination == "not":
            return f"nicht ({describe(value)})"
        joiner = " und " if combination == "all" else " oder "
        return "(" + joiner.join(describe(part) for part in value) + ")"
    name = condition["field"]
    title = FIELD_TITLES_DE.get(name, name)
    operator, value = next((k, v) for k, v in condition.items() if k != "field")

    def label(code: Any) -> str:
        return f"„{german_label(name, code)}“" if isinstance(code, str) else str(code)

    if operator == "equals":
        return f"{title} ist {label(value)}"
    if operator == "in":
        return f"{title} ist " + " oder ".join(label(v) for v in value)
    if operator == "contains":
        return f"{title} enthält {label(value)}"
    if operator == "empty":
        return f"{title} ist leer" if value else f"{title} ist nicht leer"
    if operator == "between":
        return f"{title} zwischen {value[0]} und {value[1]}"
    if operator == "at_least":
        return f"{title} mindestens {value}"
    return f"{title} höchstens {value}"


class ServiceConfig(BaseModel):
    """An entry of the county's service directory: where a referral sends the resident."""

    name: str
    address: str = ""
    phone: str = ""
    opening_hours: str = ""
    languages: list[str] = []


class RuleConfig(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9_-]+$")
    # Why the rule exists, in German, with the source line: shown to staff as it is.
    description: str
    when: dict
    outcome: Outcome
    service: str | None = None

    @model_validator(mode="after")
    def _valid(self) -> "RuleConfig":
        check_condition(self.when, f"rule {self.id}")
        check_fields(self.when, f"rule {self.id}")
        if (self.outcome == "referral") != (self.service is not None):
            raise ValueError(f"rule {self.id}: a referral names a service, nothing else does")
        return self


class TriageConfig(BaseModel):
    services: dict[str, ServiceConfig] = {}
    rules: list[RuleConfig] = []

    @model_validator(mode="after")
    def _consistent(self) -> "TriageConfig":
        ids = [rule.id for rule in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("triage rule ids must be unique")
        for rule in self.rules:
            if rule.service and rule.service not in self.services:
                raise ValueError(f"rule {rule.id}: unknown service {rule.service!r}")
        if self.rules and self.rules[-1].when != {"always": True}:
            raise ValueError(
                "the last triage rule must be {always: true}: every case gets an outcome"
            )
        return self


@dataclass(frozen=True)
class TriageResult:
    outcome: Outcome
    rule: RuleConfig
    service: ServiceConfig | None


def triage(config: TriageConfig, answers: dict[str, Any]) -> TriageResult:
    for rule in config.rules:
        if matches(rule.when, answers):
            service = config.services.get(rule.service) if rule.service else None
            return TriageResult(rule.outcome, rule, service)
    raise LookupError("no triage rule matched; the config check should have prevented this")
