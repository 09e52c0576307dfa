"""Telegram-HTML: what users see, how long Telegram thinks it is, and what it refuses."""

from __future__ import annotations

import pytest

from emulator.tg_html import FormattedText, HtmlError, normalize, parse_html, utf16_len


def test_tags_become_entities_and_only_visible_text_counts() -> None:
    parsed = parse_html("<b>报名</b>成功，<i>谢谢</i>")

    assert parsed.text == "报名成功，谢谢"
    assert parsed.length == 7
    assert parsed.entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 5, "length": 2},
    ]


def test_length_is_counted_in_utf16_code_units() -> None:
    assert utf16_len("😀a") == 3
    assert parse_html("<b>😀</b>x").entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_named_and_numeric_entities_are_decoded() -> None:
    assert parse_html("&lt;b&gt; &amp; &quot;x&quot; &#20320;&#x597D;").text == '<b> & "x" 你好'


def test_unknown_named_entity_is_refused_instead_of_shown_literally() -> None:
    with pytest.raises(HtmlError, match='Unsupported HTML entity "&nbsp;" at byte offset 1'):
        parse_html("a&nbsp;b")


def test_ampersand_that_starts_no_entity_stays_literal() -> None:
    assert parse_html("Tom & Jerry &copy").text == "Tom & Jerry &copy"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("你好<p>x</p>", 'Unsupported start tag "p" at byte offset 6'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
    ],
)
def test_invalid_html_is_refused_with_telegrams_reason(source: str, reason: str) -> None:
    with pytest.raises(HtmlError) as refused:
        parse_html(source)

    assert str(refused.value) == reason


def test_pre_with_inner_code_language_becomes_one_pre_entity() -> None:
    parsed = parse_html('<pre><code class="language-python">print(1)</code></pre> and <code>x</code>')

    assert parsed.entities == [
        {"type": "pre", "offset": 0, "length": 8, "language": "python"},
        {"type": "code", "offset": 13, "length": 1},
    ]


def test_links_spoilers_custom_emoji_and_blockquotes_become_entities() -> None:
    parsed = parse_html(
        '<a href="https://example.org/?a=1&amp;b=2">站点</a><span class="tg-spoiler">秘</span>'
        '<tg-spoiler>密</tg-spoiler><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
        "<blockquote expandable>引用</blockquote><blockquote>q</blockquote><u>u</u><s>s</s>"
    )

    assert [e["type"] for e in parsed.entities] == [
        "text_link",
        "spoiler",
        "spoiler",
        "custom_emoji",
        "expandable_blockquote",
        "blockquote",
        "underline",
        "strikethrough",
    ]
    assert parsed.entities[0]["url"] == "https://example.org/?a=1&b=2"
    assert parsed.entities[3]["custom_emoji_id"] == "5368324170671202286"


def test_surrounding_blank_lines_are_trimmed_and_entities_follow() -> None:
    cleaned = normalize(parse_html("\n\n <b>hi</b>\r\n\n"))

    assert cleaned == FormattedText("hi", [{"type": "bold", "offset": 0, "length": 2}])


def test_entities_covering_only_whitespace_are_dropped() -> None:
    assert normalize(parse_html("a<b> </b>b")).entities == []
