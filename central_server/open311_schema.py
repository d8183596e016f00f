"""OpenAPI documentation of the Open311 routes: the JSON shapes, and the XML
alternative of every answer (the same document, see open311_xml).

These models document; the routes build their answers as plain dicts and
render them as JSON or XML by the path's format suffix.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Format(StrEnum):
    json = "json"
    xml = "xml"


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str = Field(description="always realtime: a case number is made at once")
    keywords: str
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute]


class RequestCreated(BaseModel):
    service_request_id: str = Field(description="the case number, YYMMDD-SSS-NNNN-C")
    service_notice: str | None
    account_id: str | None


class ServiceRequest(BaseModel):
    service_request_id: str
    status: str = Field(description="open, or closed once a result is reported")
    status_notes: str | None
    service_name: str | None
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class TokenAnswer(BaseModel):
    service_request_id: str
    token: str


class Endpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


_XML = {"text/xml": {"schema": {"type": "string", "description": "the same document as XML"}}}
_ERROR_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}
_ERRORS = {
    400: "missing or invalid parameters",
    403: "api_key missing, unknown or revoked",
    404: "jurisdiction_id, service_code, service request or token not found",
}


def responses(model: Any, description: str, errors: tuple[int, ...] = (400, 404)) -> dict[int | str, Any]:
    """The documented answers of an Open311 route: JSON (*model*) or XML."""
    out: dict[int | str, Any] = {200: {"model": model, "description": description, "content": dict(_XML)}}
    for code in errors:
        out[code] = {
            "description": f"{_ERRORS[code]} (<errors><error><code/><description/></error></errors> in XML)",
            "content": {"application/json": {"schema": _ERROR_LIST}, **_XML},  # JSON first: checkers read the first
        }
    return out


POST_FIELDS = (
    "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
    "email", "device_id", "account_id", "first_name", "last_name", "phone", "description",
    "media_url", "locale",
)
_FORM_SCHEMA = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in POST_FIELDS},
    "required": ["api_key", "service_code"],
    "anyOf": [  # a location: coordinates, an address, or an address id (empty counts as absent)
        {"required": ["lat", "long"], "properties": {"lat": {"minLength": 1}, "long": {"minLength": 1}}},
        {"required": ["address_string"], "properties": {"address_string": {"minLength": 1}}},
        {"required": ["address_id"], "properties": {"address_id": {"minLength": 1}}},
    ],
    "additionalProperties": {
        "type": "string",
        "description": "attribute[CODE]=value, or attribute[CODE][]=value once per value",
    },
}
POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA},
            "multipart/form-data": {"schema": _FORM_SCHEMA},
        },
    },
}
