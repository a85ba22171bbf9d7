"""/start and the registration conversation for people the desk does not know yet."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import conversations
from bot.people import DirectoryError, add_person, clean_name, clean_unit
from handlers.common import desk_of, is_private, person_of, reply
from handlers.flows import FlowStep, register_flow
from handlers.renderers.common import escape
from handlers.renderers.welcome import (
    ASK_NAME,
    ASK_UNIT,
    GROUP_START,
    REGISTERED,
    REGISTRATION_CLOSED,
    welcome_known,
)

FLOW = "register"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome a known person; start registration for an unknown one."""
    desk = desk_of(context)
    name = desk.settings.desk.name
    if not is_private(update):
        await reply(update, GROUP_START.format(desk=escape(name)))
        return
    person = person_of(update, context)
    if person is not None:
        await reply(update, welcome_known(name, person.name, person.unit, person.roles))
        return
    user_id = update.effective_user.id
    if not desk.settings.desk.open_registration:
        await reply(update, REGISTRATION_CLOSED.format(desk=escape(name), telegram_id=user_id))
        return
    with desk.sessions.begin() as session:
        conversations.begin(session, desk.clock, update.effective_chat.id, user_id, FLOW, "name")
    await reply(update, ASK_NAME.format(desk=escape(name)))


async def _got_name(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    desk = desk_of(context)
    try:
        name = clean_name(text)
    except DirectoryError as error:
        await reply(update, escape(error))
        return
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        conversations.advance(session, desk.clock, conversation, "unit", name=name)
    await reply(update, ASK_UNIT)


async def _got_unit(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    desk = desk_of(context)
    try:
        unit = clean_unit(text)
    except DirectoryError as error:
        await reply(update, escape(error))
        return
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, chat_id, user_id)
        name = conversation.data["name"]
        add_person(session, desk.clock, telegram_id=user_id, name=name, unit=unit)
        conversations.end(session, chat_id, user_id)
    await reply(update, REGISTERED.format(name=escape(name), unit=escape(unit)))


def register(application: Application) -> None:
    """Add /start and the registration flow."""
    application.add_handler(CommandHandler("start", start))
    register_flow(FLOW, {"name": FlowStep(_got_name), "unit": FlowStep(_got_unit)})
