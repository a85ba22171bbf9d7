"""Texts and keyboards of the knowledge managers' commands."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from handlers.callbacks import pack
from handlers.renderers.common import escape, trim
from handlers.renderers.report import local

PREFIX = "km"
MAX_TITLE = 80
MAX_BODY = 3800
MAX_TAGS = 10

NO_ROLE = "无权操作：此命令仅限知识管理员使用。"
ASK_TITLE = f"<b>新建文章 · 第 1 步</b>\n请输入文章标题（≤{MAX_TITLE} 字；发送 /cancel 放弃）："
ASK_BODY = ("<b>第 2 步</b>\n请输入正文（支持 Markdown：# 标题、**加粗**、`代码`、列表；"
            f"≤{MAX_BODY} 字）：")
ASK_TAGS = "<b>第 3 步</b>\n请输入标签，用逗号或空格分隔（例如：VPN, 远程办公）；没有请发送“无”："
ASK_CATEGORY = "<b>第 4 步</b>\n请选择文章所属的服务分类："
PREVIEW = "<b>预览</b>\n\n📄 <b>{title}</b>\n标签：{tags}\n分类：{category}\n\n{body}"
SAVED_DRAFT = "已保存为草稿 {key}。可用 /kb_edit {key} 修改，发送 /kb_review 查看待审核文章。"
SUBMITTED = "文章 {key} 已提交审核。"
TITLE_BAD = f"标题不能为空，且不超过 {MAX_TITLE} 字，请重新输入。"
BODY_BAD = f"正文不能为空，且不超过 {MAX_BODY} 字，请重新输入。"
TAGS_BAD = f"标签最多 {MAX_TAGS} 个，每个不超过 20 字，请重新输入。"
EDIT_USAGE = "用法：/kb_edit 文章编号（文章编号见文章详情或 /kb_review）"
RETIRE_USAGE = "用法：/kb_retire 文章编号"
EDIT_WHAT = "修改文章 {key}《{title}》（{status}）——要修改哪一项？"
ASK_NEW_VALUE = "请输入新的{field}（发送 /cancel 放弃）："
EDITED = "已保存修改，文章 {key} 现为第 {version} 版。"
NO_PENDING = "目前没有待审核的文章。"
PENDING_ITEM = "📝 <b>{title}</b>\n编号：{key} · 状态：{status} · 更新：{updated}\n{summary}"
ASK_REJECT_COMMENT = "请输入退回《{title}》的意见（将转告作者；发送 /cancel 放弃）："
APPROVED = "已发布文章 {key}《{title}》。"
REJECTED = "已退回文章 {key}，意见已转告作者。"
TO_AUTHOR_REJECTED = ("📝 您的知识库文章《{title}》（{key}）被退回修改：\n{comment}\n\n"
                      "修改：/kb_edit {key}")
TO_AUTHOR_APPROVED = "🎉 您的知识库文章《{title}》（{key}）已审核通过并发布。"
CONFIRM_RETIRE = "确定下线文章 {key}《{title}》吗？下线后用户将搜索不到它。"
RETIRED = "文章 {key} 已下线。"
NO_GAPS = "目前没有知识缺口：所有问题都找到了文章，也没有“没帮助”的反馈。"
GAPS_HEADER = "<b>知识缺口</b>（按次数和最近时间排序）\n"
GAP_LINE = ("{index}. {question}\n   共 {count} 次（无结果 {no_result}，没帮助 {unhelpful}）"
            " · 最近 {last}")
STALE = "该按钮已失效。"

FIELDS = {"title": "标题", "body": "正文", "tags": "标签"}
STATUS = {"draft": "草稿", "in_review": "待审核", "published": "已发布", "retired": "已下线"}

Rows = list[list[tuple[str, str]]]


def preview(title: str, body_html: str, tags: Sequence[str], category: str) -> str:
    return PREVIEW.format(title=escape(title), tags=escape("、".join(tags) or "无"),
                          category=escape(category or "不分类"), body=body_html)


def preview_rows() -> Rows:
    return [[("保存为草稿", pack(PREFIX, "save", 0)), ("提交审核", pack(PREFIX, "submit", 0))],
            [("取消", pack(PREFIX, "drop", 0))]]


def category_rows(categories: Sequence[tuple[str, str]]) -> Rows:
    rows = [[(name, pack(PREFIX, "cat", 0, code))] for code, name in categories]
    return rows + [[("不分类", pack(PREFIX, "cat", 0, "none"))]]


def edit_rows(article_id: int) -> Rows:
    return [[(label, pack(PREFIX, "field", article_id, code)) for code, label in FIELDS.items()]]


def pending_item(article, tz: ZoneInfo) -> str:
    return PENDING_ITEM.format(title=escape(article.title), key=escape(article.key),
                               status=STATUS.get(article.status, article.status),
                               updated=local(article.updated_at, tz),
                               summary=escape(trim(" ".join(article.body.split()), 120)))


def review_rows(article_id: int) -> Rows:
    return [[("查看", pack("kb", "view", article_id, 0)),
             ("通过", pack(PREFIX, "ok", article_id)),
             ("退回", pack(PREFIX, "back", article_id))]]


def retire_rows(article_id: int) -> Rows:
    return [[("确认下线", pack(PREFIX, "retire", article_id))]]


def gaps(items: Sequence[object], tz: ZoneInfo) -> str:
    if not items:
        return NO_GAPS
    lines = [GAP_LINE.format(index=i, question=escape(trim(g.question, 60)), count=g.count,
                             no_result=g.no_result, unhelpful=g.unhelpful,
                             last=local(g.last_asked, tz))
             for i, g in enumerate(items, start=1)]
    return GAPS_HEADER + "\n".join(lines)


def parse_tags(text: str) -> list[str] | None:
    """Tags from '甲, 乙 丙'; [] for 无; None if unusable."""
    cleaned = text.strip()
    if cleaned in ("无", "没有", "-", "none"):
        return []
    tags = [t for t in cleaned.replace("，", ",").replace("、", ",").replace(",", " ").split()
            if t]
    if len(tags) > MAX_TAGS or any(len(t) > 20 for t in tags):
        return None
    return list(dict.fromkeys(tags))
