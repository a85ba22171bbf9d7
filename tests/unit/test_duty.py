"""The duty roster: rotations across hand-offs, weeks, holidays, after hours and overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import WorkingCalendar
from bot.config import ConfigError
from bot.desk import Desk
from bot.duty import DutyError, cancel_override, set_override, team_by_code
from bot.duty_input import parse_moment, parse_override_request
from bot.duty_rotation import AFTER_HOURS, DAY, Rotation
from bot.handoff import handoff_message_data
from bot.lifecycle import Origin
from bot.models import Person
from bot.people import find_by_telegram_id, view_of
from bot.settings import DutySettings
from bot.tickets import Report, submit
from handlers.renderers.duty import handoff_text
from tests.support.factories import STAFF_TOML, make_desk, make_settings

TZ = ZoneInfo("Asia/Shanghai")
A, B, C, D = 11, 12, 13, 14


def at(text: str) -> datetime:
    """A Beijing wall-clock time as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def rotation(**spec: object) -> Rotation:
    return Rotation(DutySettings(**spec), WorkingCalendar(), "Asia/Shanghai")


def who(r: Rotation, text: str) -> int:
    return r.shift_at(at(text)).telegram_id


def test_daily_rotation_hands_off_at_the_handoff_time() -> None:
    r = rotation(rotation=(A, B), anchor=date(2026, 11, 23))  # a Monday
    assert who(r, "2026-11-23 09:00") == A
    assert who(r, "2026-11-23 23:59") == A
    assert who(r, "2026-11-24 08:59") == A  # not yet handed off
    assert who(r, "2026-11-24 09:00") == B
    shift = r.shift_at(at("2026-11-24 12:00"))
    assert (shift.starts_at, shift.ends_at) == (at("2026-11-24 09:00"), at("2026-11-25 09:00"))
    assert r.next_shift(at("2026-11-24 12:00")).telegram_id == A


def test_friday_person_keeps_the_weekend_when_following_the_calendar() -> None:
    r = rotation(rotation=(A, B, C), anchor=date(2026, 11, 23))
    assert who(r, "2026-11-27 10:00") == B  # Mon A, Tue B, Wed C, Thu A, Fri B
    weekend = r.shift_at(at("2026-11-29 15:00"))
    assert weekend.telegram_id == B
    assert weekend.ends_at == at("2026-11-30 09:00")
    assert who(r, "2026-11-30 09:00") == C


def test_without_the_calendar_every_day_hands_off() -> None:
    r = rotation(rotation=(A, B, C), anchor=date(2026, 11, 23), follow_calendar=False)
    assert who(r, "2026-11-28 10:00") == C  # Sat: the sixth day
    assert who(r, "2026-11-29 10:00") == A


def test_a_holiday_does_not_use_up_turns_and_a_make_up_day_hands_off() -> None:
    # 2026 National Day: Oct 1–7 off (Oct 3/4 are the weekend), Oct 10 (Sat) is a make-up day
    r = rotation(rotation=(A, B, C), anchor=date(2026, 9, 28))
    assert who(r, "2026-09-30 10:00") == C
    holiday = r.shift_at(at("2026-10-03 10:00"))
    assert holiday.telegram_id == C and holiday.ends_at == at("2026-10-08 09:00")
    assert who(r, "2026-10-08 09:30") == A
    assert who(r, "2026-10-09 09:30") == B
    assert who(r, "2026-10-10 09:30") == C  # Saturday, but a working day


def test_weekly_rotation_and_a_holiday_monday() -> None:
    r = rotation(rotation=(A, B), period="week", anchor=date(2026, 11, 23))
    assert who(r, "2026-11-27 18:00") == A
    assert who(r, "2026-11-30 08:59") == A
    assert who(r, "2026-11-30 09:00") == B
    # the week of Oct 5 2026 starts with three holidays: the hand-off waits for Thu Oct 8
    r = rotation(rotation=(A, B), period="week", anchor=date(2026, 9, 28))
    assert who(r, "2026-10-07 20:00") == A
    assert r.shift_at(at("2026-10-07 20:00")).ends_at == at("2026-10-08 09:00")
    assert who(r, "2026-10-08 09:00") == B


def test_after_hours_rotation_covers_nights_weekends_and_holidays() -> None:
    r = rotation(rotation=(A, B), after_hours_rotation=(C, D), anchor=date(2026, 11, 23))
    day = r.shift_at(at("2026-11-23 10:00"))
    assert (day.telegram_id, day.kind, day.ends_at) == (A, DAY, at("2026-11-23 17:30"))
    night = r.shift_at(at("2026-11-23 22:00"))
    assert (night.telegram_id, night.kind) == (C, AFTER_HOURS)
    assert (night.starts_at, night.ends_at) == (at("2026-11-23 17:30"), at("2026-11-24 09:00"))
    assert who(r, "2026-11-24 08:00") == C
    assert who(r, "2026-11-24 09:00") == B
    assert who(r, "2026-11-24 18:00") == D
    saturday = r.shift_at(at("2026-11-28 12:00"))
    assert saturday.kind == AFTER_HOURS
    assert (saturday.starts_at, saturday.ends_at) == (at("2026-11-28 09:00"),
                                                      at("2026-11-29 09:00"))
    assert r.shift_at(at("2026-10-01 12:00")).kind == AFTER_HOURS  # National Day
    assert r.next_shift(at("2026-11-27 12:00")).kind == AFTER_HOURS


def test_after_hours_start_can_be_set() -> None:
    r = rotation(rotation=(A,), after_hours_rotation=(C,), after_hours_start=time(20, 0),
                 anchor=date(2026, 11, 23))
    assert who(r, "2026-11-23 19:00") == A
    assert who(r, "2026-11-23 20:00") == C


# -- the config --------------------------------------------------------------------------

DUTY_TOML = """
[teams.duty]
rotation = [2001, 2002]
period = "day"
handoff = "09:00"
anchor = 2026-11-23
"""


def duty_staff(duty: str = DUTY_TOML) -> str:
    return STAFF_TOML.replace("leads = [2001]\n", "leads = [2001]\n" + duty, 1)


def test_config_reads_the_duty_table(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "sqlite://", people=duty_staff())
    duty = settings.teams[0].duty
    assert duty is not None and duty.rotation == (2001, 2002) and duty.follow_calendar
    assert settings.teams[1].duty is None


@pytest.mark.parametrize(("duty", "key"), [
    ('rotation = [2001, 9999]', "teams[0].duty.rotation"),
    ('rotation = [2003]', "teams[0].duty.rotation"),
    ('rotation = []', "teams[0].duty.rotation"),
    ('rotation = [2001]\nperiod = "month"', "teams[0].duty.period"),
    ('rotation = [2001]\nhandoff = "9点"', "teams[0].duty.handoff"),
    ('rotation = [2001]\nrotaton = [1]', "teams[0].duty.rotaton"),
    ('rotation = [2001]\nfollow_calendar = "yes"', "teams[0].duty.follow_calendar"),
    ('rotation = [2001]\nafter_hours_rotation = [2002]\nhandoff = "18:00"',
     "teams[0].duty.after_hours_start"),
])
def test_config_errors_name_the_key(tmp_path: Path, duty: str, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        make_settings(tmp_path, "sqlite://", people=duty_staff(f"\n[teams.duty]\n{duty}\n"))
    assert key in str(error.value)


# -- overrides and the database ------------------------------------------------------------

@pytest.fixture
def duty_desk(tmp_path: Path, database_url: str) -> Desk:
    desk = make_desk(make_settings(tmp_path, database_url, people=duty_staff()))
    yield desk
    desk.close()


def _person(session, telegram_id: int) -> Person:
    return find_by_telegram_id(session, telegram_id)


def test_an_override_wins_while_it_lasts(duty_desk: Desk) -> None:
    roster, now = duty_desk.roster, at("2026-11-23 10:00")
    with duty_desk.sessions.begin() as session:
        team = team_by_code(session, "infra")
        assert roster.on_duty(session, team, now).telegram_id == 2001
        assert roster.next_on_duty(session, team, now).telegram_id == 2002
        lead = view_of(_person(session, 2001))
        override = set_override(session, team, _person(session, 2002), at("2026-11-23 12:00"),
                                at("2026-11-23 14:00"), by=lead, reason="李工外出",
                                source="chat", now=now)
        turn = roster.turn_at(session, team, now)
        assert turn.person.telegram_id == 2001 and turn.ends_at == at("2026-11-23 12:00")
        covering = roster.turn_at(session, team, at("2026-11-23 13:00"))
        assert (covering.person.telegram_id, covering.kind) == (2002, "override")
        assert roster.on_duty(session, team, at("2026-11-23 14:00")).telegram_id == 2001
        nxt = roster.next_turn(session, team, now)
        assert (nxt.person.telegram_id, nxt.starts_at) == (2002, at("2026-11-23 12:00"))
        back = roster.next_turn(session, team, at("2026-11-23 13:00"))
        assert (back.person.telegram_id, back.starts_at) == (2001, at("2026-11-23 14:00"))
        cancel_override(session, override.id, by=lead, now=now)
        assert roster.on_duty(session, team, at("2026-11-23 13:00")).telegram_id == 2001


def test_override_refusals(duty_desk: Desk) -> None:
    now = at("2026-11-23 10:00")
    with duty_desk.sessions.begin() as session:
        team = team_by_code(session, "infra")
        tech = view_of(_person(session, 2002))
        lead = view_of(_person(session, 2001))
        start, end = at("2026-11-23 12:00"), at("2026-11-23 14:00")
        for by, person, s, e, needle in (
            (tech, _person(session, 2002), start, end, "无权"),
            (lead, _person(session, 2003), start, end, "不是"),
            (lead, _person(session, 2002), end, start, "晚于"),
            (lead, _person(session, 2002), at("2026-11-20 12:00"), at("2026-11-20 14:00"),
             "过去"),
            (lead, _person(session, 2002), start, start + timedelta(days=40), "31"),
        ):
            with pytest.raises(DutyError, match=needle):
                set_override(session, team, person, s, e, by=by, reason="", source="chat",
                             now=now)


def test_someone_who_left_is_skipped(duty_desk: Desk) -> None:
    with duty_desk.sessions.begin() as session:
        team = team_by_code(session, "infra")
        leaver = _person(session, 2001)
        leaver.active = False
        session.flush()
        assert duty_desk.roster.on_duty(session, team, at("2026-11-23 10:00")).telegram_id \
            == 2002


def test_handoff_data_lists_open_and_at_risk_tickets(duty_desk: Desk) -> None:
    created = at("2026-11-23 09:30")
    with duty_desk.sessions.begin() as session:
        reporter = view_of(_person(session, 1001))
        for index, urgency in enumerate(("outage", "deferrable")):
            submit(session, duty_desk.sla, TZ, reporter,
                   Report("network", f"故障 {index}", "department", urgency), f"k{index}",
                   Origin(reporter.id), created)
    with duty_desk.sessions.begin() as session:
        team = team_by_code(session, "infra")
        data = handoff_message_data(session, duty_desk.roster, duty_desk.sla, team,
                                    at("2026-11-24 09:00"))
    assert data.on_duty.telegram_id == 2002 and data.handed_over_by.telegram_id == 2001
    assert data.next_on_duty.telegram_id == 2001
    assert len(data.open_tickets) == 2 and data.unclaimed == 2
    assert all(t.overdue for t in data.at_risk) and len(data.at_risk) == 2
    with duty_desk.sessions.begin() as session:
        team = team_by_code(session, "infra")
        early = handoff_message_data(session, duty_desk.roster, duty_desk.sla, team,
                                     at("2026-11-23 11:00"))
        late = handoff_message_data(session, duty_desk.roster, duty_desk.sla, team,
                                    at("2026-11-23 14:40"))
    # P2: 30 working minutes to respond (overdue at 10:00); P4: 4 working hours (15:00)
    assert [(t.priority, t.overdue) for t in early.at_risk] == [("P2", True)]
    assert [(t.priority, t.overdue) for t in late.at_risk] == [("P2", True), ("P4", False)]
    text = handoff_text(data, TZ)
    assert "李工 → 现在值班：<b>陈工</b>" in text and "未完成工单 2 张，其中待认领 2 张" in text
    assert "已超时" in text and "（待认领）" in text


def test_moments_typed_in_chat() -> None:
    now = at("2026-11-23 10:00")
    assert parse_moment("2026-12-01 22:00", TZ, now) == at("2026-12-01 22:00")
    assert parse_moment("2026-12-01T22:00", TZ, now) == at("2026-12-01 22:00")
    assert parse_moment("12-01 22:00", TZ, now) == at("2026-12-01 22:00")
    assert parse_moment("明天 09:00", TZ, now) == at("2026-11-24 09:00")
    assert parse_moment("现在", TZ, now) == now
    request = parse_override_request(["infra", "陈工", "22:00", "09:00", "替", "李工"], TZ, now)
    assert (request.starts_at, request.ends_at) == (at("2026-11-23 22:00"),
                                                    at("2026-11-24 09:00"))
    assert request.reason == "替 李工"
    for bad in ("25:00", "2026-13-01 10:00", "下午", "12-01"):
        with pytest.raises(DutyError):
            parse_moment(bad, TZ, now)
