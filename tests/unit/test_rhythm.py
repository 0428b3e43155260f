"""When a prompt goes (SPEC §5 "When emails go out"), worked out by hand for awkward weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from service.rhythm import deliverable, evaluation_time, prompt_time
from tests.support.configs import P, Program


def config(workdays: tuple[str, ...] | None, away: tuple[tuple[str, str], ...]):  # type: ignore[no-untyped-def]
    return Program(
        people=[
            P("ben@example.org", "America/New_York"),
            P("noa@example.org", "Asia/Jerusalem", workdays=workdays, away=away),
        ],
        pairs=[("ben@example.org", "noa@example.org")],
        starts="2026-03-02",
        ends="2026-04-24",
    ).load()


@pytest.mark.parametrize(
    ("workdays", "away", "expected"),
    [
        # Friday 15:00 Jerusalem (IST, +2) in week 1
        (None, (), datetime(2026, 3, 13, 13, 0, tzinfo=UTC)),
        # away on the Friday only: the Thursday before
        (None, (("2026-03-13", "2026-03-13"),), datetime(2026, 3, 12, 13, 0, tzinfo=UTC)),
        # away Wednesday to Friday: the Tuesday
        (None, (("2026-03-11", "2026-03-16"),), datetime(2026, 3, 10, 13, 0, tzinfo=UTC)),
        # away the whole week up to Friday: no prompt
        (None, (("2026-03-07", "2026-03-13"),), None),
        # away Monday to Wednesday only: Friday as usual
        (None, (("2026-03-09", "2026-03-11"),), datetime(2026, 3, 13, 13, 0, tzinfo=UTC)),
        # a Sunday-Thursday week: Thursday; away that Thursday too: Wednesday
        (("sun", "mon", "tue", "wed", "thu"), (), datetime(2026, 3, 12, 13, 0, tzinfo=UTC)),
        (
            ("sun", "mon", "tue", "wed", "thu"),
            (("2026-03-12", "2026-03-12"),),
            datetime(2026, 3, 11, 13, 0, tzinfo=UTC),
        ),
    ],
)
def test_the_prompt_moves_back_to_a_workday_the_mentee_is_there(
    workdays: tuple[str, ...] | None, away: tuple[tuple[str, str], ...], expected: datetime | None
) -> None:
    assert prompt_time(config(workdays, away), "noa@example.org", 1) == expected


def test_an_evaluation_on_an_away_day_moves_back_like_a_prompt() -> None:
    c = config(None, (("2026-03-26", "2026-03-27"),))
    assert evaluation_time(c, "noa@example.org", date(2026, 3, 27)) == datetime(
        2026, 3, 25, 13, 0, tzinfo=UTC
    )  # Wednesday 15:00 IST


def test_a_reminder_on_an_away_day_waits_for_the_next_workday_morning() -> None:
    c = config(None, (("2026-03-16", "2026-03-17"),))
    sunday = datetime(2026, 3, 15, 13, 0, tzinfo=UTC)
    # Wednesday 18 March 09:00 in Jerusalem (+2)
    assert deliverable(c.person("noa@example.org"), sunday) == datetime(
        2026, 3, 18, 7, 0, tzinfo=UTC
    )
