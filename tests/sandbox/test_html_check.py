"""Telegram's HTML subset: what parses, into which entities, and what Telegram rejects."""

from __future__ import annotations

import pytest

from bot.sandbox.errors import ApiError
from bot.sandbox.html_check import parse_html


def test_nested_tags_and_entities_become_plain_text_and_entities() -> None:
    text, entities = parse_html(
        "<b>工单 <i>#12</i></b> &lt;急&gt; &amp; &quot;x&quot; &#39;y&#x27;"
    )
    assert text == "工单 #12 <急> & \"x\" 'y'"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "italic", "offset": 3, "length": 3},
    ]


def test_offsets_are_utf16_units() -> None:
    _text, entities = parse_html("😀<u>x</u>")
    assert entities == [{"type": "underline", "offset": 2, "length": 1}]


def test_links_spoilers_quotes_and_code() -> None:
    text, entities = parse_html(
        '<a href="https://x.gov.cn/?a=1&amp;b=2">链接</a><tg-spoiler>密</tg-spoiler>'
        '<span class="tg-spoiler">码</span><blockquote expandable>引</blockquote>'
        '<pre><code class="language-bash">ls</code></pre>'
    )
    assert text == "链接密码引ls"
    assert [e["type"] for e in entities] == [
        "text_link",
        "spoiler",
        "spoiler",
        "expandable_blockquote",
        "pre",
    ]
    assert entities[0]["url"] == "https://x.gov.cn/?a=1&b=2"
    assert entities[-1]["language"] == "bash"


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("<br>", 'Unsupported start tag "br"'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ('<span class="x">y</span>', 'Unsupported start tag "span"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag"),
        ("1 < 2", 'Unsupported start tag ""'),
        ("A & B", "bare '&'"),
        ("&nbsp;", "bare '&'"),
    ],
)
def test_rejected_html(source: str, detail: str) -> None:
    with pytest.raises(ApiError) as raised:
        parse_html(source)
    assert raised.value.status == 400
    assert raised.value.description.startswith("Bad Request: can't parse entities: ")
    assert detail in raised.value.description
