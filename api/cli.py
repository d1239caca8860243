"""Operator commands: `python -m api.cli load-county [SLUG | --all]`."""

import argparse
import getpass
import os
import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.settings import PROJECT_ROOT, get_settings
from faq.schemas import read_faq_content
from faq.service import load_faq_content
from intake.service import rotate_data_keys
from scheduler.models import CaseManager, County
from scheduler.schemas import read_county_config
from scheduler.service import get_county, load_county
from staff.models import StaffUser
from staff.roles import Role
from staff.service import AccountError, create_user


def load_county_with_content(session: Session, path: Path) -> tuple[County, int]:
    """A county from its config file, with its curated FAQ content (config/faq/<slug>/)."""
    config = read_county_config(path)
    faq_dir = PROJECT_ROOT / "config" / "faq" / config.slug
    county = load_county(session, config)
    answers = (
        load_faq_content(session, county, read_faq_content(faq_dir)) if faq_dir.is_dir() else 0
    )
    return county, answers


def _load_county(args: argparse.Namespace) -> None:
    settings = get_settings()
    directory = settings.counties_dir
    paths = (
        sorted(directory.glob("*.yml"))
        if args.all
        else [directory / f"{args.slug or settings.county}.yml"]
    )
    for path in paths:
        with session_scope() as session:
            if args.if_missing and get_county(session, path.stem):
                print(f"{path.stem}: already loaded (staff edit it now); not reloaded")
                continue
            county, answers = load_county_with_content(session, path)
            print(f"{answers} FAQ answers; ", end="")
            print(
                f"loaded {county.name}: {len(county.municipalities)} municipalities, "
                f"{len(county.clusters)} clusters, languages {', '.join(county.languages)}"
            )


def _rotate_data_keys(args: argparse.Namespace) -> None:
    with session_scope() as session:
        print(f"re-encrypted {rotate_data_keys(session)} records with the newest key")


def _create_admin(args: argparse.Namespace) -> None:
    """The first admin. The password comes from KIM_ADMIN_PASSWORD or is asked for."""
    password = os.environ.get("KIM_ADMIN_PASSWORD") or getpass.getpass("Passwort: ")
    with session_scope() as session:
        try:
            user = create_user(
                session, email=args.email, name=args.name, role=Role.ADMIN, password=password
            )
        except AccountError as error:
            raise SystemExit(str(error)) from None
        print(f"admin {user.email} created")


def _demo_staff(args: argparse.Namespace) -> None:
    """One account per role for the demo county, with fresh passwords, if there are none yet."""
    settings = get_settings()
    target = settings.var_dir / "demo-staff.txt"
    with session_scope() as session:
        if session.scalar(select(func.count()).select_from(StaffUser)):
            print(f"staff accounts exist; demo logins are in {target}")
            return
        county = get_county(session, settings.county)
        manager = session.scalars(
            select(CaseManager).where(CaseManager.county_id == county.id).order_by(CaseManager.id)
        ).first()
        lines = []
        for role, email, name, manager_id in (
            (Role.ADMIN, "admin@demo.invalid", "Demo Admin", None),
            (Role.COORDINATOR, "koordination@demo.invalid", "Demo Koordination", None),
            (Role.CASEWORKER, "case@demo.invalid", manager.name, manager.id),
            (Role.REGISTRATION_OFFICE, "meldeamt@demo.invalid", "Demo Meldeamt", None),
        ):
            password = secrets.token_urlsafe(12)
            create_user(
                session,
                email=email,
                name=name,
                role=role,
                password=password,
                case_manager_id=manager_id,
            )
            lines.append(f"{role:20} {email:28} {password}")
    target.write_text("\n".join(lines) + "\n")
    target.chmod(0o600)
    print(f"demo staff logins (only for this machine) written to {target}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api.cli")
    commands = parser.add_subparsers(required=True)
    load = commands.add_parser("load-county", help="create or update a county from config/counties")
    load.add_argument("slug", nargs="?", help="file name without .yml (default: KIM_COUNTY)")
    load.add_argument("--all", action="store_true", help="every file in config/counties")
    load.add_argument(
        "--if-missing", action="store_true", help="leave a county that is already loaded alone"
    )
    load.set_defaults(handler=_load_county)
    rotate = commands.add_parser(
        "rotate-data-keys", help="re-encrypt stored records with the first key of DATA_KEYS"
    )
    rotate.set_defaults(handler=_rotate_data_keys)
    admin = commands.add_parser("create-admin", help="create an admin account (the first one)")
    admin.add_argument("email")
    admin.add_argument("--name", default="Administration")
    admin.set_defaults(handler=_create_admin)
    demo = commands.add_parser("demo-staff", help="demo accounts, one per role (local use only)")
    demo.set_defaults(handler=_demo_staff)
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
