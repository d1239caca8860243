"""The triage rule sets of the three demo counties do what their sources say.

Sources: Rhein-Kreis Neuss stage 1 (shared/seeds/003_9d707748226bc8a6.txt, 003:395-407),
Moers in Kreis Wesel (001_9b1531db55a58578.txt, 001:2385-2402), Kreis Höxter
(000_fda373ad444b466a.txt, 000:326-336). A skipped answer is a missing key.
"""

import re
from functools import cache

import pytest
from pydantic import ValidationError

from core.settings import PROJECT_ROOT
from intake.triage import TriageConfig, triage
from scheduler.schemas import read_county_config


@cache
def rules(slug: str) -> TriageConfig:
    return read_county_config(PROJECT_ROOT / "config" / "counties" / f"{slug}.yml").triage


def outcome(slug: str, answers: dict) -> tuple[str, str, str | None]:
    result = triage(rules(slug), answers)
    return result.outcome, result.rule.id, result.service.name if result.service else None


# --- Rhein-Kreis Neuss -------------------------------------------------------------------------

DURCHSTARTEN = (
    "Landesinitiative „Durchstarten in Ausbildung und Arbeit“ – "
    "Kommunales Integrationszentrum Rhein-Kreis Neuss"
)
JMD_NEUSS = (
    "Jugendmigrationsdienst (JMD) Neuss – "
    "Internationaler Bund / Katholische Jugendagentur Düsseldorf"
)
MBE_NEUSS = (
    "Migrationsberatung für Erwachsene (MBE) – Caritas-Fachdienst für Integration und Migration, "
    "Caritashaus International Neuss"
)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # urgent comes before every exclusion of 003:399
        (
            {"urgent_need": "yes", "age": 20, "residence_status": "duldung"},
            ("urgent", "urgent", None),
        ),
        # 003:397: the core group starts at 18; a 17-year-old on their own is not modelled
        (
            {"age": 17, "residence_status": "aufenthaltserlaubnis"},
            ("kim_appointment", "default", None),
        ),
        # 003:397: 18 is in the core group
        (
            {"age": 18, "residence_status": "aufenthaltserlaubnis"},
            ("kim_appointment", "core-group", None),
        ),
        # 003:399: Durchstarten covers 18-27, not 17
        ({"age": 17, "residence_status": "duldung"}, ("kim_appointment", "default", None)),
        # 003:399: 18-year-old with Duldung -> Durchstarten
        ({"age": 18, "residence_status": "duldung"}, ("referral", "durchstarten", DURCHSTARTEN)),
        # 003:399: 27 is still in the Durchstarten range
        ({"age": 27, "residence_status": "gestattung"}, ("referral", "durchstarten", DURCHSTARTEN)),
        # 003:397: from 28 a Gestattung is core group
        ({"age": 28, "residence_status": "gestattung"}, ("kim_appointment", "core-group", None)),
        # 003:399: 12-27 already served by JMD, lower bound
        ({"age": 12, "services_involved": ["jmd"]}, ("referral", "already-jmd", JMD_NEUSS)),
        # 003:399: 27 with JMD stays with JMD
        ({"age": 27, "services_involved": ["jmd"]}, ("referral", "already-jmd", JMD_NEUSS)),
        # 003:399: 27 with MBE only goes to MBE (27-35)
        ({"age": 27, "services_involved": ["mbe"]}, ("referral", "already-mbe", MBE_NEUSS)),
        # 003:399: 27 with both: rule order, JMD first
        ({"age": 27, "services_involved": ["mbe", "jmd"]}, ("referral", "already-jmd", JMD_NEUSS)),
        # 003:399: already served by MBE comes before Durchstarten (no double support)
        (
            {"age": 27, "residence_status": "duldung", "services_involved": ["mbe"]},
            ("referral", "already-mbe", MBE_NEUSS),
        ),
        # 003:399: JMD exclusion ends at 27, so 28 with JMD is core group (003:397)
        ({"age": 28, "services_involved": ["jmd"]}, ("kim_appointment", "core-group", None)),
        # 003:399: 35 with MBE -> MBE
        ({"age": 35, "services_involved": ["mbe"]}, ("referral", "already-mbe", MBE_NEUSS)),
        # 003:397: 35 is the upper bound of the core group
        ({"age": 35, "services_involved": ["none"]}, ("kim_appointment", "core-group", None)),
        # 003:401: 36 is outside the core group, MBE exclusion no longer applies
        ({"age": 36, "services_involved": ["mbe"]}, ("information", "over-35", None)),
        # 003:401: over 35 with several needs: still information (see rule description)
        (
            {"age": 50, "urgent_need": "no", "life_areas": ["housing", "work", "language"]},
            ("information", "over-35", None),
        ),
        # skipped age: no age rule matches, falls through to the default (003:403)
        ({"residence_status": "duldung"}, ("kim_appointment", "default", None)),
        # skipped services_involved: the exclusions do not match, core group (003:397)
        (
            {"age": 30, "residence_status": "aufenthaltserlaubnis"},
            ("kim_appointment", "core-group", None),
        ),
        # skipped urgent_need falls through to Durchstarten (003:399)
        ({"age": 22, "residence_status": "gestattung"}, ("referral", "durchstarten", DURCHSTARTEN)),
    ],
)
def test_neuss_stage_one(answers, expected):
    assert outcome("neuss", answers) == expected


# --- Kreis Wesel (Moers' routing) --------------------------------------------------------------

JUGENDAMT_MOERS = "Jugendamt der Stadt Moers (unbegleitete minderjährige Geflüchtete)"
HOCHSCHULE = (
    "Hochschule Rhein-Waal, Studienberatung und International Office (Campus Kamp-Lintfort)"
)
JMD_MOERS = "Jugendmigrationsdienst (JMD) Moers – Internationaler Bund"
AWO_MOERS = "Flüchtlingsberatung der AWO Moers"
JOBCENTER = "Jobcenter Kreis Wesel, Standort Moers – beschäftigungsorientiertes Fallmanagement"
MBE_MOERS = "Migrationsberatung für Erwachsene (MBE) – AWO und Caritasverband Moers"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # urgent before Moers' exclusions
        (
            {"municipality": "moers", "urgent_need": "yes", "residence_status": "student"},
            ("urgent", "urgent", None),
        ),
        # urgent in every town of the county
        ({"municipality": "neukirchen-vluyn", "urgent_need": "yes"}, ("urgent", "urgent", None)),
        # 001:2393: 3-month or health visa -> no case management
        (
            {"municipality": "moers", "residence_status": "short_visa"},
            ("information", "moers-short-visa", None),
        ),
        # 001:2393 is Moers' rule: not in the town of Wesel
        (
            {"municipality": "wesel", "residence_status": "short_visa"},
            ("kim_appointment", "default", None),
        ),
        # 001:2393: skipped municipality never matches Moers' rules
        ({"residence_status": "short_visa"}, ("kim_appointment", "default", None)),
        # 001:2394: unaccompanied minor -> youth welfare, before the asylum rule
        (
            {
                "municipality": "moers",
                "age": 16,
                "household": "single",
                "residence_status": "gestattung",
            },
            ("referral", "moers-unaccompanied-minor", JUGENDAMT_MOERS),
        ),
        # 001:2394 vs 2401: an accompanied minor in the asylum procedure -> JMD
        (
            {
                "municipality": "moers",
                "age": 16,
                "household": "family",
                "residence_status": "gestattung",
            },
            ("referral", "moers-asylum-jmd", JMD_MOERS),
        ),
        # 001:2394: skipped household falls through to the asylum rule (001:2401)
        (
            {"municipality": "moers", "age": 17, "residence_status": "gestattung"},
            ("referral", "moers-asylum-jmd", JMD_MOERS),
        ),
        # 001:2394: 18 is no longer a minor
        (
            {
                "municipality": "moers",
                "age": 18,
                "household": "single",
                "residence_status": "gestattung",
            },
            ("referral", "moers-asylum-jmd", JMD_MOERS),
        ),
        # 001:2395: students -> their university's advisory service
        (
            {"municipality": "moers", "age": 22, "residence_status": "student"},
            ("referral", "moers-student", HOCHSCHULE),
        ),
        # 001:2395 is Moers' rule: not in Kamp-Lintfort
        (
            {"municipality": "kamp-lintfort", "residence_status": "student"},
            ("kim_appointment", "default", None),
        ),
        # 001:2401: asylum procedure up to 27 -> JMD (IB)
        (
            {"municipality": "moers", "age": 27, "residence_status": "gestattung"},
            ("referral", "moers-asylum-jmd", JMD_MOERS),
        ),
        # 001:2401: older asylum seekers -> AWO refugee counselling
        (
            {"municipality": "moers", "age": 28, "residence_status": "gestattung"},
            ("referral", "moers-asylum-awo", AWO_MOERS),
        ),
        # 001:2401: asylum seeker without age: falls through to the default
        (
            {"municipality": "moers", "residence_status": "gestattung"},
            ("kim_appointment", "default", None),
        ),
        # 001:2401 is Moers' rule: a young asylum seeker in the town of Wesel
        (
            {"municipality": "wesel", "age": 20, "residence_status": "gestattung"},
            ("kim_appointment", "default", None),
        ),
        # 001:2402: right to stay with SGB II -> Jobcenter case management
        (
            {
                "municipality": "moers",
                "age": 25,
                "residence_status": "aufenthaltserlaubnis",
                "benefits": ["sgb2"],
            },
            ("referral", "moers-stay-jobcenter", JOBCENTER),
        ),
        # 001:2402: temporary protection counts as right to stay, any age
        (
            {
                "municipality": "moers",
                "age": 50,
                "residence_status": "temporary_protection",
                "benefits": ["sgb2", "own_income"],
            },
            ("referral", "moers-stay-jobcenter", JOBCENTER),
        ),
        # 001:2402: right to stay without SGB II, 27 -> JMD
        (
            {
                "municipality": "moers",
                "age": 27,
                "residence_status": "niederlassungserlaubnis",
                "benefits": ["own_income"],
            },
            ("referral", "moers-stay-jmd", JMD_MOERS),
        ),
        # 001:2402: right to stay without SGB II, 28 -> MBE (AWO/Caritas)
        (
            {
                "municipality": "moers",
                "age": 28,
                "residence_status": "aufenthaltserlaubnis",
                "benefits": ["none"],
            },
            ("referral", "moers-stay-mbe", MBE_MOERS),
        ),
        # 001:2402: benefits skipped: Jobcenter or not is open, falls through to the default
        (
            {"municipality": "moers", "age": 25, "residence_status": "aufenthaltserlaubnis"},
            ("kim_appointment", "default", None),
        ),
        # 001:2402: right to stay without SGB II but no age: default
        (
            {
                "municipality": "moers",
                "residence_status": "aufenthaltserlaubnis",
                "benefits": ["none"],
            },
            ("kim_appointment", "default", None),
        ),
        # Duldung is neither asylum procedure nor right to stay (001:2401-2402): Servicestelle
        (
            {"municipality": "moers", "age": 30, "residence_status": "duldung"},
            ("kim_appointment", "default", None),
        ),
    ],
)
def test_wesel_with_moers_routing(answers, expected):
    assert outcome("wesel", answers) == expected


# --- Kreis Höxter ------------------------------------------------------------------------------

JMD_HOEXTER = "Jugendmigrationsdienst (JMD) Kreis Höxter"
MBE_HOEXTER = "Migrationsberatung für Erwachsene (MBE) Kreis Höxter – Caritas / Diakonie"
FBS_HOEXTER = "Flüchtlingsberatung (FBS) Kreis Höxter"
MEDICAL = "Medizinische Flüchtlingshilfe"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # urgent before everything, even without any life area
        ({"urgent_need": "yes", "life_areas": []}, ("urgent", "urgent", None)),
        # 000:330: no need -> registered, welcome package
        ({"life_areas": [], "urgent_need": "no"}, ("information", "no-need", None)),
        # 000:330: skipped urgent_need falls through to the need check
        ({"life_areas": []}, ("information", "no-need", None)),
        # 000:330: a skipped life-area question is not "no need": JMD already helps (000:335)
        ({"services_involved": ["jmd"]}, ("referral", "already-jmd", JMD_HOEXTER)),
        # 000:330 before 000:335: no need means no referral, even with JMD involved
        ({"life_areas": [], "services_involved": ["jmd"]}, ("information", "no-need", None)),
        # 000:335: already with JMD -> JMD, avoiding double support
        (
            {"life_areas": ["language"], "services_involved": ["jmd"]},
            ("referral", "already-jmd", JMD_HOEXTER),
        ),
        # 000:335: already with MBE -> MBE
        (
            {"life_areas": ["work"], "services_involved": ["mbe"]},
            ("referral", "already-mbe", MBE_HOEXTER),
        ),
        # 000:335: already with refugee counselling -> FBS
        (
            {"life_areas": ["housing"], "services_involved": ["refugee_counselling"]},
            ("referral", "already-refugee-counselling", FBS_HOEXTER),
        ),
        # 000:335: JMD and MBE both involved: order of the source, JMD first
        (
            {"life_areas": ["language"], "services_involved": ["mbe", "jmd"]},
            ("referral", "already-jmd", JMD_HOEXTER),
        ),
        # 000:335: the service already involved comes before the medical referral
        (
            {"life_areas": ["health"], "services_involved": ["mbe"]},
            ("referral", "already-mbe", MBE_HOEXTER),
        ),
        # 000:335: only health -> Medizinische Flüchtlingshilfe
        (
            {"life_areas": ["health"], "services_involved": ["none"]},
            ("referral", "health-only", MEDICAL),
        ),
        # 000:335: skipped services_involved falls through to the medical referral
        ({"life_areas": ["health"]}, ("referral", "health-only", MEDICAL)),
        # 000:331-333: health plus housing -> CM handles it across jurisdictions
        ({"life_areas": ["health", "housing"]}, ("kim_appointment", "default", None)),
        # 000:331-333: several needs, no service involved -> appointment
        (
            {"life_areas": ["housing", "money"], "services_involved": ["none"]},
            ("kim_appointment", "default", None),
        ),
        # 000:332-333: a statutory office involved is no counselling service: appointment
        (
            {"life_areas": ["residence"], "services_involved": ["jobcenter", "sozialamt"]},
            ("kim_appointment", "default", None),
        ),
        # 000:331: one need the CM can solve directly
        ({"urgent_need": "no", "life_areas": ["family"]}, ("kim_appointment", "default", None)),
    ],
)
def test_hoexter_outcomes(answers, expected):
    assert outcome("hoexter", answers) == expected


# --- all counties ------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["neuss", "wesel", "hoexter"])
def test_every_county_starts_with_urgent_and_ends_with_a_default(slug):
    config = rules(slug)
    assert config.rules[0].id == "urgent"
    assert config.rules[0].when == {"field": "urgent_need", "equals": "yes"}
    assert config.rules[-1].when == {"always": True}


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"field": "nationality", "equals": "sy"}, "unknown field 'nationality'"),
        ({"field": "residence_status", "in": ["duldung", "asylum"]}, "has no answer ['asylum']"),
        ({"field": "services_involved", "contains": "awo"}, "has no answer ['awo']"),
        (
            {"all": [{"field": "age", "at_least": 18}, {"field": "household", "between": [1, 2]}]},
            "household is not a number",
        ),
    ],
)
def test_rules_refuse_unknown_fields_and_codes(when, message):
    bad = {
        "rules": [
            {"id": "bad", "description": "kaputt", "when": when, "outcome": "information"},
            {
                "id": "default",
                "description": "Rest",
                "when": {"always": True},
                "outcome": "kim_appointment",
            },
        ]
    }
    with pytest.raises(ValidationError, match=re.escape(message)):
        TriageConfig.model_validate(bad)
