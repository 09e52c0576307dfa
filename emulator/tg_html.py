"""Telegram's text formatting: HTML parse mode, visible text and its length.

The parser mirrors the behaviour of Telegram's own (tdlib) HTML parser, including
its error descriptions, so a message the emulator accepts is one Telegram accepts.
It is deliberately stricter in one place: an unknown named entity such as
``&nbsp;`` is refused, because Telegram would show it literally to the user,
which is always a bug in the sender.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# "\0" doubles as the end-of-input sentinel, exactly as in tdlib's C-string scan.
_SPACE = " \t\r\n\v\0"
_ENTITY = re.compile(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([a-zA-Z]+))(;?)")


class HtmlError(ValueError):
    """Raised with the reason Telegram puts after "can't parse entities: "."""


@dataclass
class FormattedText:
    text: str
    entities: list[Entity] = field(default_factory=list)

    @property
    def length(self) -> int:
        return utf16_len(self.text)


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _utf16_slice(text: str, start: int, stop: int) -> str:
    return text.encode("utf-16-le")[2 * start : 2 * stop].decode("utf-16-le")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, i: int) -> tuple[str, int] | None:
    """Decode the entity at ``source[i] == "&"``; None keeps "&" as a literal."""
    match = _ENTITY.match(source, i)
    if match is None:
        return None
    decimal, hexadecimal, name, semicolon = match.groups()
    if name is not None:
        if name in _NAMED:
            return _NAMED[name], match.end()
        if not semicolon:
            return None
        offset = _byte_offset(source, i)
        raise HtmlError(f'Unsupported HTML entity "&{name};" at byte offset {offset}')
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF:
        return None
    if 0xD800 <= code <= 0xDFFF:
        raise HtmlError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    return chr(code), match.end()


def parse_html(source: str) -> FormattedText:
    """Turn Telegram HTML into visible text plus MessageEntity dicts."""
    s = source + "\0"
    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    stack: list[_Open] = []
    i = 0
    while i < len(source):
        c = s[i]
        if c == "&":
            decoded = _decode_entity(s, i)
            if decoded is not None:
                out.append(decoded[0])
                utf16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
        if c != "<":
            out.append(c)
            utf16 += utf16_len(c)
            i += 1
            continue
        begin = _byte_offset(source, i)
        i += 1
        if s[i] != "/":
            i, opened = _start_tag(s, i, begin)
            stack.append(_Open(opened[0], opened[1], utf16))
            continue
        if not stack:
            raise HtmlError(f"Unexpected end tag at byte offset {begin}")
        i += 1
        name_start = i
        while s[i] not in _SPACE and s[i] != ">":
            i += 1
        end_name = s[name_start:i].lower()
        while s[i] in _SPACE and s[i] != "\0":
            i += 1
        if s[i] != ">":
            raise HtmlError(f"Unclosed end tag at byte offset {begin}")
        i += 1
        top = stack.pop()
        if end_name and end_name != top.tag:
            raise HtmlError(f'Unmatched end tag at byte offset {begin}, expected "</{top.tag}>", found "</{end_name}>"')
        if utf16 > top.offset:
            _close(top, utf16 - top.offset, "".join(out), entities)
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # kept only so an enclosing <pre> can adopt it
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return FormattedText("".join(out), entities)


def _start_tag(s: str, i: int, begin: int) -> tuple[int, tuple[str, str]]:
    """Parse ``<tag attr=...>`` from just after "<"; return the index after ">"."""
    name_start = i
    while s[i] not in _SPACE and s[i] != ">":
        i += 1
    if s[i] == "\0":
        raise HtmlError(f"Unclosed start tag at byte offset {begin}")
    tag = s[name_start:i].lower()
    if tag not in _TAGS:
        raise HtmlError(f'Unsupported start tag "{tag}" at byte offset {begin}')
    argument = ""
    while s[i] != ">":
        while s[i] in _SPACE and s[i] != "\0":
            i += 1
        if s[i] == ">":
            break
        attr_start = i
        while s[i] not in _SPACE and s[i] not in "=>":
            i += 1
        attr = s[attr_start:i]
        if not attr:
            raise HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while s[i] in _SPACE and s[i] != "\0":
            i += 1
        if s[i] != "=":
            if tag == "blockquote" and attr == "expandable":
                argument = "expandable"
                continue
            raise HtmlError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset {begin}'
            )
        i += 1
        while s[i] in _SPACE and s[i] != "\0":
            i += 1
        if s[i] == "\0":
            raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        i, value = _attribute_value(s, i)
        if s[i] == "\0":
            raise HtmlError(f"Unclosed start tag at byte offset {begin}")
        if (tag, attr) in {("a", "href"), ("tg-emoji", "emoji-id")}:
            argument = value
        elif tag == "code" and attr == "class" and value.startswith("language-"):
            argument = value.removeprefix("language-")
        elif tag == "span" and attr == "class" and value.startswith("tg-"):
            argument = value.removeprefix("tg-")
    if tag == "span" and argument != "spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    return i + 1, (tag, argument)


def _attribute_value(s: str, i: int) -> tuple[int, str]:
    if s[i] not in "'\"":
        start = i
        while s[i].isascii() and (s[i].isalnum() or s[i] in ".-"):
            i += 1
        if s[i] not in _SPACE and s[i] != ">":
            offset = _byte_offset(s, start)
            raise HtmlError(f"Unexpected end of name token at byte offset {offset}")
        return i, s[start:i].lower()
    quote = s[i]
    i += 1
    value: list[str] = []
    while s[i] != quote and s[i] != "\0":
        decoded = _decode_entity(s, i) if s[i] == "&" else None
        if decoded is not None:
            value.append(decoded[0])
            i = decoded[1]
        else:
            value.append(s[i])
            i += 1
    if s[i] == quote:
        i += 1
    return i, "".join(value)


def _close(top: _Open, length: int, text: str, entities: list[Entity]) -> None:
    entity: Entity = {"type": "", "offset": top.offset, "length": length}
    last = entities[-1] if entities else None
    same_span = last is not None and (last["offset"], last["length"]) == (top.offset, length)
    if top.tag in _SIMPLE or top.tag == "span":
        entity["type"] = _SIMPLE.get(top.tag, "spoiler")
    elif top.tag == "tg-emoji":
        if not top.argument.isdigit() or int(top.argument) == 0:
            raise HtmlError("Invalid custom emoji identifier specified")
        entity.update(type="custom_emoji", custom_emoji_id=top.argument)
    elif top.tag == "a":
        url = top.argument or _utf16_slice(text, top.offset, top.offset + length)
        if not url:
            return
        entity.update(type="text_link", url=url)
    elif top.tag == "blockquote":
        entity["type"] = "expandable_blockquote" if top.argument else "blockquote"
    elif top.tag == "code":
        if last is not None and same_span and last["type"] == "pre" and top.argument:
            last["language"] = top.argument
            return
        entity["type"] = "code"
        if top.argument:
            entity["language"] = top.argument
    else:  # pre: an inner <code> over the same text merges into the pre block
        entity["type"] = "pre"
        if last is not None and same_span and last["type"] == "code":
            entities.pop()
            if "language" in last:
                entity["language"] = last["language"]
    entities.append(entity)


def normalize(formatted: FormattedText) -> FormattedText:
    """Apply Telegram's clean-up: drop "\\r", blank out control characters,
    trim surrounding spaces/newlines and whitespace-only entities."""
    chars: list[str] = []
    new_at: list[int] = []  # new UTF-16 position for every old one
    pos = 0
    for ch in formatted.text:
        units = utf16_len(ch)
        new_at.extend([pos] * units)
        if ch == "\r":
            continue
        chars.append(" " if ch < " " and ch != "\n" else ch)
        pos += units
    new_at.append(pos)
    clean = "".join(chars)
    end = utf16_len(clean.rstrip(" \n"))
    spans = [(e, new_at[e["offset"]], min(new_at[e["offset"] + e["length"]], end)) for e in formatted.entities]
    spans = [(e, a, b) for e, a, b in spans if _utf16_slice(clean, a, b).strip(" \n")]
    first_entity = min((a for _, a, _ in spans), default=end)
    lead = min(len(clean) - len(clean.lstrip(" \n")), first_entity)
    text = _utf16_slice(clean, lead, end)
    entities = [{**e, "offset": a - lead, "length": b - a} for e, a, b in spans]
    return FormattedText(text, entities)
