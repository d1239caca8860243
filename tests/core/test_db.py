"""SQLite writers of one process take turns (core/db.py); the turn always comes back."""

import threading

import pytest
from sqlalchemy import text

import core.db
from core.db import make_engine


@pytest.fixture
def engine(tmp_path, monkeypatch):
    # A turn that never came back would fail a write after this long, not after 30 s.
    monkeypatch.setattr(core.db, "SQLITE_WAIT_SECONDS", 3)
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT NOT NULL)"))
    yield engine
    engine.dispose()


def write(engine, body: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})


def bodies(engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.scalars(text("SELECT body FROM notes")))


def test_a_waiting_writer_writes_once_the_first_commits_and_readers_never_wait(engine):
    first_wrote, first_may_commit = threading.Event(), threading.Event()
    seen_while_writing: list[list[str]] = []

    def first() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES ('first')"))
            first_wrote.set()
            first_may_commit.wait(5)

    writer = threading.Thread(target=first)
    writer.start()
    first_wrote.wait(5)
    second = threading.Thread(target=write, args=(engine, "second"))
    second.start()
    seen_while_writing.append(bodies(engine))  # a read while both hold or wait for the turn
    first_may_commit.set()
    writer.join(5)
    second.join(5)
    assert seen_while_writing == [[]]
    assert bodies(engine) == ["first", "second"]


def test_the_turn_comes_back_after_a_failed_write_and_an_abandoned_one(engine):
    with pytest.raises(Exception, match="NOT NULL"):
        write(engine, None)  # type: ignore[arg-type]
    connection = engine.connect()
    connection.execute(text("INSERT INTO notes (body) VALUES ('abandoned')"))
    connection.close()  # neither committed nor rolled back by the caller
    broken = engine.connect()  # and a connection that broke while writing
    broken.exec_driver_sql("INSERT INTO notes (body) VALUES ('lost')")
    broken.invalidate()
    other = threading.Thread(target=write, args=(engine, "after"))
    other.start()
    other.join(10)
    assert bodies(engine) == ["after"]
