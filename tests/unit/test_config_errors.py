"""An admin's config mistakes each get one line: FILE:LINE: key.path: message (hint)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config.load import ConfigError, load_config, parse_config
from tests.conftest import EXAMPLE

GOOD = """\
[program]
name = "P"
organizer = "Team <team@example.org>"
starts = 2026-03-02
ends = 2026-06-26

[[people]]
email = "ben@example.org"
timezone = "America/New_York"

[[people]]
email = "ana@example.org"
timezone = "Europe/Lisbon"

[[pairs]]
mentor = "ben@example.org"
mentee = "ana@example.org"
"""


def errors(text: str, name: str = "rota.toml") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path(name))
    return caught.value.lines


def test_the_example_config_is_valid_and_realistic() -> None:
    config = load_config(EXAMPLE)
    zones = {p.timezone for p in config.people}
    assert len(config.people) >= 8 and len(zones) >= 5
    assert "Asia/Kolkata" in zones  # +5:30
    assert zones & {"Australia/Adelaide", "America/Santiago", "Pacific/Auckland"}
    assert len(config.pairs) >= 4
    mentors = [p.mentor for p in config.pairs]
    assert any(mentors.count(m) >= 2 for m in mentors)
    assert config.groups and config.groups[0].quorum < len(config.groups[0].members)


def test_unknown_time_zone_names_file_line_key_and_suggests_the_right_one() -> None:
    text = GOOD.replace('"Europe/Lisbon"', '"Europe/Lisboa"')
    assert errors(text) == [
        "rota.toml:13: people[1].timezone: unknown time zone 'Europe/Lisboa' "
        "(did you mean 'Europe/Lisbon'?)"
    ]


def test_a_fixed_offset_is_refused_with_advice_to_use_an_iana_zone() -> None:
    [line] = errors(GOOD.replace('"Europe/Lisbon"', '"UTC+1"'))
    assert "people[1].timezone: unknown time zone 'UTC+1'" in line
    assert "IANA" in line


def test_unknown_person_in_a_pair_suggests_the_closest_address() -> None:
    text = GOOD.replace('mentee = "ana@example.org"', 'mentee = "ana@exmple.org"')
    assert errors(text) == [
        "rota.toml:17: pairs[0].mentee: unknown person 'ana@exmple.org' "
        "(did you mean 'ana@example.org'?)"
    ]


def test_unknown_person_in_a_group_is_reported_at_its_member_entry() -> None:
    text = (
        GOOD + '\n[[groups]]\nname = "Circle"\nmembers = ["ben@example.org", "zed@example.org"]\n'
        '\n[cadences.circle]\nevery = "4w"\nduration = "60m"\n'
    )
    [line] = errors(text)
    assert line.startswith("rota.toml:21: groups[0].members[1]: unknown person 'zed@example.org'")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"9-17"', "'9-17' is not a range of hours"),
        ('"09:00-25:00"', "'25:00' is not a time of day"),
        ('"17:00-09:00"', "ends before it starts"),
        ('"09:00 to 17:00"', "is not a range of hours"),
        ("9", "is not a range of hours"),
    ],
)
def test_malformed_hours_are_explained(value: str, message: str) -> None:
    text = GOOD.replace(
        'timezone = "Europe/Lisbon"', f'timezone = "Europe/Lisbon"\npreferred_hours = {value}'
    )
    [line] = errors(text)
    assert line.startswith("rota.toml:14: people[1].preferred_hours: ")
    assert message in line


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"30"', "'30' is not a duration"),
        ('"2 weeks"', "is not a duration"),
        ('"10d"', "not a whole number of weeks"),
        ("2", "expected a duration"),
    ],
)
def test_malformed_durations_are_explained(value: str, message: str) -> None:
    text = GOOD + f"\n[cadences.call]\nevery = {value}\n"
    [line] = errors(text)
    assert line.startswith("rota.toml:20: cadences.call.every: ")
    assert message in line


def test_available_hours_must_contain_preferred_hours() -> None:
    text = GOOD.replace(
        'timezone = "Europe/Lisbon"', 'timezone = "Europe/Lisbon"\navailable_hours = "10:00-16:00"'
    )
    assert errors(text) == [
        "rota.toml:14: people[1].available_hours: available_hours '10:00-16:00' do not contain "
        "preferred_hours '09:00-17:00' (widen available_hours or narrow preferred_hours)"
    ]


def test_duplicate_people_compare_emails_lowercased() -> None:
    text = GOOD + '\n[[people]]\nemail = "Ana@Example.org"\ntimezone = "Europe/Paris"\n'
    [line] = errors(text)
    assert line.startswith("rota.toml:20: people[2].email: duplicate person 'ana@example.org'")
    assert "people[1] on line 11" in line


def test_unknown_keys_are_errors_with_a_suggestion() -> None:
    text = GOOD.replace('timezone = "America/New_York"', 'timzone = "America/New_York"')
    lines = errors(text)
    assert "rota.toml:9: people[0].timzone: unknown key (did you mean 'timezone'?)" in lines
    assert any("people[0]: missing required key 'timezone'" in x for x in lines)


def test_unknown_top_level_table_is_an_error() -> None:
    [line] = errors(GOOD + "\n[scheduling]\nfoo = 1\n")
    assert line.startswith("rota.toml:19: scheduling: unknown key")


def test_a_quorum_larger_than_the_group_is_an_error() -> None:
    text = (
        GOOD + '\n[[groups]]\nname = "Circle"\nmembers = ["ben@example.org", "ana@example.org"]\n'
        'quorum = 3\n\n[cadences.circle]\nevery = "4w"\n'
    )
    assert errors(text) == [
        "rota.toml:22: groups[0].quorum: quorum 3 is larger than the group "
        "(2 members) (use at most 2, or a share such as 0.6)"
    ]


def test_every_error_is_reported_at_once_sorted_by_line() -> None:
    text = (
        GOOD.replace('"America/New_York"', '"America/NewYork"')
        .replace('mentee = "ana@example.org"', 'mentee = "nobody@example.org"')
        .replace("ends = 2026-06-26", "ends = 2026-02-01")
    )
    lines = errors(text)
    assert len(lines) == 3
    assert [int(x.split(":")[1]) for x in lines] == sorted(int(x.split(":")[1]) for x in lines)
    assert (
        "program.ends" in lines[0]
        and "America/New_York" in lines[1]
        and "pairs[0].mentee" in lines[2]
    )


def test_a_toml_syntax_error_names_its_line() -> None:
    [line] = errors(GOOD.replace('name = "P"', 'name = "P'))
    assert line.startswith("rota.toml:2: syntax: ")


def test_inline_table_keys_are_located_on_their_line() -> None:
    text = GOOD.replace(
        'timezone = "Europe/Lisbon"',
        'timezone = "Europe/Lisbon"\naway = [\n  { from = 2026-04-06, to = 2026-04-01 },\n]',
    )
    assert errors(text) == [
        "rota.toml:15: people[1].away[0].to: ends (2026-04-01) before it starts "
        "(2026-04-06) (swap from and to)"
    ]


def test_imap_smtp_transport_requires_both_servers() -> None:
    lines = errors(GOOD + '\n[mail]\ntransport = "imap-smtp"\n')
    assert [x.split(" (")[0] for x in lines] == [
        "rota.toml:20: mail.transport: transport imap-smtp needs mail.smtp",
        "rota.toml:20: mail.transport: transport imap-smtp needs mail.imap",
    ]


def test_starttls_is_accepted_for_both_servers_with_their_ports() -> None:
    config = parse_config(
        GOOD
        + '\n[mail]\ntransport = "imap-smtp"\n'
        + 'smtp = { host = "smtp.example.org", security = "starttls", password_env = "S" }\n'
        + 'imap = { host = "imap.example.org", security = "starttls", password_env = "I" }\n',
        Path("rota.toml"),
    )
    assert config.mail.smtp is not None and config.mail.imap is not None
    assert (config.mail.smtp.security, config.mail.smtp.port) == ("starttls", 587)
    assert (config.mail.imap.security, config.mail.imap.port) == ("starttls", 143)
    lines = errors(GOOD + '\n[mail]\nimap = { host = "h", security = "ssl" }\n')
    assert lines[0].startswith("rota.toml:20: mail.imap.security: ")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert caught.value.lines == [
        f"{tmp_path / 'nope.toml'}:1: file: no such file "
        "(pass the config with -c, e.g. -c config/example.toml)"
    ]


def test_check_config_exit_codes_and_summary(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ok = rota("check-config", "-c", str(EXAMPLE))
    assert ok.code == 0 and ok.err == ""
    assert ok.out.count("\n") == 1 and "OK" in ok.out and "9 people" in ok.out
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace('"Europe/Lisbon"', '"Europe/Lisboa"'), encoding="utf-8")
    res = rota("check-config", "-c", str(bad))
    assert res.code == 2 and res.out == ""
    assert (
        res.err == f"{bad}:13: people[1].timezone: unknown time zone 'Europe/Lisboa' "
        "(did you mean 'Europe/Lisbon'?)\n"
    )


def test_phases_name_known_cadences_and_cannot_change_a_meeting_length() -> None:
    text = (
        GOOD + '\n[cadences.call]\nevery = "2w"\n\n[[phases]]\nafter = "8w"\ncal = "off"\n'
        'call = { duration = "60m" }\n'
    )
    lines = errors(text)
    assert any("phases[0].cal: unknown cadence 'cal' (did you mean 'call'?)" in x for x in lines)
    assert any(
        "phases[0].call.duration: a phase cannot change a meeting's length" in x for x in lines
    )


def test_a_phase_cannot_switch_recaps_or_surveys() -> None:
    text = (
        GOOD + '\n[cadences.call]\nevery = "2w"\nrecap = true\n\n[[phases]]\nafter = "8w"\n'
        "call = { recap = false, survey = true }\n"
    )
    lines = errors(text)
    assert any(
        "phases[0].call.recap: a phase cannot switch a series' recap on or off "
        "(set recap on the cadence or the round)" in x
        for x in lines
    ), lines
    assert any("phases[0].call.survey: a phase cannot switch" in x for x in lines)


def test_no_crlf_can_hide_in_a_name() -> None:
    [line] = errors(
        GOOD.replace(
            'email = "ana@example.org"',
            'email = "ana@example.org"\nname = "Ana\\r\\nBcc: x@evil.example"',
        )
    )
    assert "people[1].name: must be a single line" in line


def test_names_that_hide_an_encoded_line_break_are_refused_with_their_line() -> None:
    text = GOOD.replace('name = "P"', 'name = "P =?utf-8?q?a=0D=0ABcc:_x@evil.example?="')
    text = text.replace(
        'email = "ben@example.org"',
        'email = "ben@example.org"\nname = "Ben =?utf-8?b?DQpCY2M6IHhAZXZpbC5leGFtcGxl?="',
    )
    found = errors(text)
    assert found[0].startswith("rota.toml:2: program.name: contains an encoded word")
    assert found[1].startswith("rota.toml:9: people[0].name: contains an encoded word")
    assert all("write the text itself" in line for line in found)


def test_addresses_with_encoded_words_or_control_characters_are_refused() -> None:
    found = errors(GOOD.replace('"ana@example.org"', '"a=?q?x@example.org"'))
    assert found and all("is not an e-mail address" in line for line in found)
    found = errors(GOOD.replace('name = "P"', 'name = "P\\u0000x"'))
    assert found == [
        "rota.toml:2: program.name: contains a control character (remove it; write plain text)"
    ]


@pytest.mark.parametrize(
    ("find", "replace", "expected"),
    [
        (
            'timezone = "America/New_York"',
            'timezone = "America/New_York"\nmiss_cost = 1e23',
            "rota.toml:10: people[0].miss_cost: 1e+23 is too large (use at most 1000)",
        ),
        (
            'timezone = "America/New_York"',
            'timezone = "America/New_York"\nmiss_cost = nan',
            "rota.toml:10: people[0].miss_cost: expected a number, got nan (use a value from 0 to 1000)",
        ),
        (
            'timezone = "America/New_York"',
            'timezone = "America/New_York"\nmiss_cost = inf',
            "rota.toml:10: people[0].miss_cost: expected a number, got inf (use a value from 0 to 1000)",
        ),
        (
            "starts = 2026-03-02",
            "starts = 9999-01-01",
            "rota.toml:4: program.starts: 9999-01-01 is outside the dates Rota plans for (use a date from 2000-01-01 to 2099-12-31)",
        ),
        (
            "ends = 2026-06-26",
            "ends = 2036-06-26",
            "rota.toml:5: program.ends: the program runs 538 weeks, longer than Rota plans (end it within 260 weeks (five years) of 2026-03-02; run a new program after)",
        ),
        (
            "[[pairs]]",
            "[cadences.checkin]\nescalate_after_missed = 100000000000000000000\n\n[[pairs]]",
            "rota.toml:16: cadences.checkin.escalate_after_missed: 100000000000000000000 is too large (use at most 52)",
        ),
        (
            "[[pairs]]",
            '[cadences.checkin]\nremind_after = "99999999999999w"\n\n[[pairs]]',
            "rota.toml:16: cadences.checkin.remind_after: '99999999999999w' is too long (use at most 260w (five years))",
        ),
        (
            "[[pairs]]",
            '[cadences.checkin]\nremind_after = "9w"\n\n[[pairs]]',
            'rota.toml:16: cadences.checkin.remind_after: \'9w\' is out of range (use "1h" to "4w")',
        ),
        (
            "[[pairs]]",
            '[cadences.call]\nevery = "100000w"\n\n[[pairs]]',
            "rota.toml:16: cadences.call.every: '100000w' is too long (use at most 260w (five years))",
        ),
        (
            'name = "P"',
            'name = "' + "P" * 5000 + '"',
            "rota.toml:2: program.name: is too long (5000 characters) (keep it under 1000)",
        ),
    ],
)
def test_every_number_and_date_is_bounded_with_a_clear_error(
    find: str, replace: str, expected: str
) -> None:
    assert errors(GOOD.replace(find, replace, 1)) == [expected]


def test_the_largest_miss_cost_still_plans(rota, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = GOOD.replace(
        'timezone = "Europe/Lisbon"', 'timezone = "Asia/Tokyo"\nmiss_cost = 1000'
    ) + (
        '\n[[people]]\nemail = "lu@example.org"\ntimezone = "America/Los_Angeles"\n'
        '\n[[groups]]\nname = "Circle"\nmembers = ["ben@example.org", "ana@example.org", '
        '"lu@example.org"]\nquorum = 2\n\n[cadences.circle]\nevery = "2w"\nduration = "60m"\n'
    )
    path = tmp_path / "rota.toml"
    path.write_text(text)
    assert rota("check-config", "-c", str(path)).code == 0
    done = rota("plan", "-c", str(path), "--format", "json")
    assert done.code == 0, done.err
    import json

    burden = json.loads(done.out)["burden"]
    assert max(burden.values()) < 1000 * 14  # bounded by the cap, computed exactly
