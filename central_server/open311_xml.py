"""Open311 wire formats: XML and JSON responses, errors, and form bodies.

XML follows the GeoReport v2 element names (schemaless, no namespace, an
XML declaration with the UTF-8 encoding); JSON is the same document by the
specification's "Spark convention": the root's list of items becomes an
array, nested lists (attributes, values, endpoints, formats) become arrays.

POST bodies arrive as ``application/x-www-form-urlencoded`` (what the
specification and most clients send) or ``multipart/form-data``; both are
parsed here with the standard library.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree as ET

from fastapi.responses import Response

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
FORMATS = ("json", "xml")
# Element name of one item of a nested list, by the list's element name.
LIST_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}
# Characters XML 1.0 cannot carry at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_FIELDS = 1000


class Open311Error(Exception):
    """An error answered in the Open311 error format."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(parent: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            item_tag = LIST_ITEMS.get(key, "item")
            for item in value:
                node = ET.SubElement(child, item_tag)
                if isinstance(item, dict):
                    _fill(node, item)
                else:
                    node.text = _text(item)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = _text(value)


def to_xml(root: str, item: str | None, body: list[dict[str, Any]] | dict[str, Any]) -> bytes:
    """``<root><item>..</item>..</root>`` for a list, ``<root>..</root>`` for a dict."""
    top = ET.Element(root)
    if isinstance(body, list):
        for entry in body:
            _fill(ET.SubElement(top, item or "item"), entry)
    else:
        _fill(top, body)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="unicode").encode()


def render(fmt: str, root: str, item: str | None, body: Any, status: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    """The response in *fmt* ('json' or 'xml')."""
    if fmt == "json":
        content = json.dumps(body, ensure_ascii=False).encode()
        return Response(content, status_code=status, media_type=JSON_TYPE, headers=headers)
    return Response(to_xml(root, item, body), status_code=status, media_type=XML_TYPE, headers=headers)


def render_error(fmt: str, error: Open311Error) -> Response:
    """``[{"code": .., "description": ..}]`` / ``<errors><error>..`` with its HTTP status."""
    body = [{"code": error.status, "description": error.description}]
    return render(fmt if fmt in FORMATS else "xml", "errors", "error", body, status=error.status)


# --- request bodies --------------------------------------------------------------


def parse_body(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """The (name, value) pairs of a form body, in order; files are refused.

    Raises Open311Error(400) for a body that is not a form or not UTF-8.
    """
    if not body.strip():
        return []
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in ("application/x-www-form-urlencoded", ""):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Open311Error(400, "the request body is not UTF-8") from None
        try:
            return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError as exc:
            raise Open311Error(400, f"the form body cannot be read: {exc}") from None
    if mime == "multipart/form-data":
        return _multipart(content_type, body)
    raise Open311Error(
        400, "send the parameters as application/x-www-form-urlencoded (or multipart/form-data)"
    )


def _multipart(content_type: str, body: bytes) -> list[tuple[str, str]]:
    try:
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    except UnicodeEncodeError:
        raise Open311Error(400, "malformed multipart Content-Type") from None
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart() or message.defects:
        raise Open311Error(400, "malformed multipart/form-data body")
    pairs: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:  # name="" is a field like "=x" in a URL-encoded body: kept, and ignored
            raise Open311Error(400, "a multipart part has no name")
        if part.get_filename() is not None:
            raise Open311Error(400, "files cannot be uploaded here; give a media_url instead")
        raw = part.get_payload(decode=True) or b""
        try:
            pairs.append((str(name), raw.decode(part.get_content_charset() or "utf-8")))
        except (UnicodeDecodeError, LookupError):
            raise Open311Error(400, f"the multipart field {name!r} is not UTF-8") from None
        if len(pairs) > MAX_FIELDS:
            raise Open311Error(400, f"more than {MAX_FIELDS} form fields")
    return pairs


_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](?:\[\d*\])?$")


def split_params(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Plain parameters (the last value of a name wins; empty ones are absent,
    as the specification asks) and attributes: ``attribute[code]=v``,
    ``attribute[code][]=v`` and ``attribute[code][0]=v`` all add to *code*."""
    plain: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for name, value in pairs:
        match = _ATTRIBUTE.match(name)
        if match:
            attributes.setdefault(match.group(1), []).append(value)
        elif value.strip():
            plain[name] = value.strip()
    return plain, attributes
