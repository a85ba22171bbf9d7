"""Texts of a technician's work on a ticket, and of what the reporter is told about it."""

from __future__ import annotations

from handlers.callbacks import pack
from handlers.renderers.common import escape

PREFIX = "tk"

NO_RIGHT = "无权操作"
ONLY_ASSIGNEE = "仅处理人可操作"
STALE = "该按钮已失效，工单状态已变化。"
CARD_REPLACED = "这张工单卡片已失效，请在群里最新的同一工单卡片上操作。"
CLAIMED_ALERT = "认领成功：工单 {number} 由您处理。"
ASK_PEND_REASON = "挂起工单 {number} 的原因："
ASK_PEND_TYPED = "请在私聊中输入工单 {number} 的挂起原因（发送 /cancel 放弃）："
ASK_RESOLUTION = ("请输入工单 {number} 的<b>解决方案</b>（做了什么、结果如何；"
                  "发送 /cancel 放弃）：")
RESOLUTION_BAD = "解决方案不能为空，且不超过 {limit} 字，请重新输入。"
ASK_EFFORT = "请输入本工单花费的<b>工作量</b>（分钟），例如：30 或 1.5小时"
ASK_KB_DRAFT = ("工单 {number} 已标记为已解决。"
                "是否把这次的解决方法转为知识库草稿，交知识管理员审核？")
KB_DRAFT_DONE = "已生成知识库草稿 {key}，等待知识管理员审核。"
KB_DRAFT_SKIPPED = "好的，不生成草稿。"
ASK_REASSIGN = "把工单 {number} 转派给："
MOVED_TO_PERSON = "工单 {number} 已转派给 {name}。"
MOVED_TO_TEAM = "工单 {number} 已转至 {team}，等待该组认领。"
CHECK_PRIVATE = "请到与机器人的私聊中继续（如未收到消息，请先私聊机器人发送 /start）。"
DONE = "已更新工单 {number}。"

TO_REPORTER_CLAIMED = "👷 您的工单 {number} 已由 {name} 认领，正在处理。"
TO_REPORTER_STARTED = "🔧 您的工单 {number} 正在处理中。"
TO_REPORTER_PENDED = "⏸ 您的工单 {number} 已挂起：{reason}"
TO_REPORTER_RESOLVED = ("✅ 您的工单 {number} 已处理完成。\n解决方案：{resolution}\n\n"
                        "问题是否已经解决？")
TO_ASSIGNEE_NEW = "📌 {name} 将工单 {number} 转派给您处理。"
TO_REPORTER_REASSIGNED = "👤 您的工单 {number} 现由 {name} 处理。"
TO_TEAM_MOVED = "↪️ 工单 {number} 从 {source} 转来，等待认领。"

BUTTON_TYPE_REASON = "其他原因（输入）"
BUTTON_DRAFT_YES = "转为知识库草稿"
BUTTON_DRAFT_NO = "不用了"

Rows = list[list[tuple[str, str]]]


def pend_rows(ticket_id: int, reasons: dict[str, str], version: int) -> Rows:
    """The pend reasons; each button carries the ticket's version (handlers.versions)."""
    rows = [[(label, pack(PREFIX, "pendr", ticket_id, code, version))]
            for code, label in reasons.items()]
    rows.append([(BUTTON_TYPE_REASON, pack(PREFIX, "pendt", ticket_id, version))])
    return rows


def reassign_rows(ticket_id: int, people: list[tuple[int, str]],
                  teams: list[tuple[str, str]], version: int) -> Rows:
    """The team's people, then the other teams; each button carries the ticket's version."""
    rows = [[(f"👤 {name}", pack(PREFIX, "to", ticket_id, person_id, version))]
            for person_id, name in people]
    rows += [[(f"👥 {name}", pack(PREFIX, "team", ticket_id, code, version))]
             for code, name in teams]
    return rows


def draft_rows(ticket_id: int) -> Rows:
    return [[(BUTTON_DRAFT_YES, pack(PREFIX, "kbyes", ticket_id)),
             (BUTTON_DRAFT_NO, pack(PREFIX, "kbno", ticket_id))]]


def resolved_for_reporter(number: str, resolution: str) -> str:
    return TO_REPORTER_RESOLVED.format(number=number, resolution=escape(resolution[:1500]))
