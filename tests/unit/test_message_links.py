"""Which ticket a bot message is about: linked once, found by chat and message id."""

from __future__ import annotations

from bot import message_links
from bot.desk import Desk
from tests.support import sla_steps as steps


def test_a_message_is_linked_once_and_found_again(desk: Desk) -> None:
    first, second = steps.submit(desk), steps.submit(desk)
    now = desk.clock.now()
    with desk.sessions.begin() as session:
        message_links.link(session, -1001, 7, first, now, kind="card")
        message_links.link(session, -1001, 7, second, now)  # sent again: keeps its first link
        message_links.link(session, 1001, 7, second, now)  # the same id in another chat
    with desk.sessions.begin() as session:
        assert message_links.ticket_for(session, -1001, 7).id == first
        assert message_links.ticket_for(session, 1001, 7).id == second
        assert message_links.ticket_for(session, -1001, 8) is None
        assert [link.message_id for link in message_links.messages_of(session, first, "card")
                ] == [7]
