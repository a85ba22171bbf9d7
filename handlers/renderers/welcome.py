"""Texts of /start, registration and /help."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.renderers.common import escape

ROLE_LABELS = {
    "reporter": "报修人",
    "technician": "运维工程师",
    "lead": "组长",
    "supervisor": "值班领导",
    "knowledge_manager": "知识管理员",
    "admin": "系统管理员",
}

STAFF = ("technician", "lead", "supervisor", "knowledge_manager", "admin")
WORKERS = ("technician", "lead", "supervisor", "admin")

# (command, description, roles that may use it; empty = everyone registered)
COMMANDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("report", "我要报修", ()),
    ("my", "我的工单", ()),
    ("ticket", "查看工单详情：/ticket 工单号", ()),
    ("note", "给工单补充说明：/note 工单号 内容", ()),
    ("kb", "搜索知识库：/kb 关键词", ()),
    ("cancel", "退出当前操作", ()),
    ("start", "开始使用 / 查看身份", ()),
    ("help", "查看可用命令", ()),
    ("queue", "待认领队列（我所在支持组，最紧急的在前）", WORKERS),
    ("mine", "我处理中的工单", WORKERS),
    ("team", "本组未完成工单（按处理人）：/team [组代码]", ("lead", "supervisor", "admin")),
    ("duty", "查看值班表：现在和下一班", STAFF),
    ("duty_set", "安排临时顶班：/duty_set 组代码 成员 开始 结束 [原因]",
     ("lead", "supervisor", "admin")),
    ("duty_cancel", "取消临时顶班：/duty_cancel 编号", ("lead", "supervisor", "admin")),
    ("kb_new", "新建知识库文章", ("knowledge_manager",)),
    ("kb_edit", "修改文章：/kb_edit 文章编号", ("knowledge_manager",)),
    ("kb_review", "审核待发布的文章", ("knowledge_manager",)),
    ("kb_retire", "下线文章：/kb_retire 文章编号", ("knowledge_manager",)),
    ("kb_gaps", "查看知识缺口（搜不到或没帮助的问题）", ("knowledge_manager",)),
    ("kb_questions", "审核用户提出的相似问法", ("knowledge_manager",)),
)

WELCOME_KNOWN = (
    "您好，{name}（{unit}）！欢迎使用{desk}。\n"
    "您的身份：{roles}\n\n"
    "直接发送文字即可提问，我会先从知识库中为您查找答案。\n"
    "发送 /help 查看您可以使用的全部命令。"
)
ASK_NAME = (
    "您好！欢迎使用{desk}。\n首次使用需要登记，只需两步。\n\n"
    "第 1 步：请输入您的<b>真实姓名</b>（发送 /cancel 可退出）："
)
ASK_UNIT = "第 2 步：请输入您的<b>单位/部门</b>，例如：市财政局 办公室"
REGISTERED = "登记完成，{name}（{unit}）！\n\n" + (
    "直接发送文字即可提问，我会先从知识库中为您查找答案。\n发送 /help 查看可用命令。"
)
REGISTRATION_CLOSED = (
    "您好！您尚未在{desk}登记，暂时无法使用。\n"
    "请联系信息中心系统管理员为您开通，并告知您的 Telegram ID：<code>{telegram_id}</code>"
)
NOT_REGISTERED = "您尚未登记。请先发送 /start 完成登记。"
HELP_HEADER = "<b>{desk} · 可用命令</b>（您的身份：{roles}）\n"
GROUP_START = "我是{desk}的机器人。报修和提问请私聊我；本群用于接收和认领工单。"


def role_labels(roles: Iterable[str]) -> str:
    """Chinese labels of roles, in a fixed order."""
    labels = [label for code, label in ROLE_LABELS.items() if code in set(roles)]
    return "、".join(labels) or ROLE_LABELS["reporter"]


def commands_for(roles: Iterable[str]) -> list[tuple[str, str]]:
    """The (command, description) pairs a person with `roles` may use."""
    held = set(roles) | {"reporter"}
    return [(cmd, desc) for cmd, desc, allowed in COMMANDS if not allowed or held & set(allowed)]


def welcome_known(desk: str, name: str, unit: str, roles: Iterable[str]) -> str:
    return WELCOME_KNOWN.format(desk=escape(desk), name=escape(name),
                                unit=escape(unit or "未填写单位"), roles=role_labels(roles))


def help_text(desk: str, roles: Iterable[str]) -> str:
    roles = list(roles)
    lines = [HELP_HEADER.format(desk=escape(desk), roles=role_labels(roles))]
    lines += [f"/{cmd} — {escape(desc)}" for cmd, desc in commands_for(roles)]
    lines.append("\n直接发送文字即可向知识库提问。")
    return "\n".join(lines)
