"""Our own JSON Schema (draft 4) for the parts of OCDS 1.1 that the tracker writes and reads.

No package on PyPI ships the standard's release schema as data (libcoveocds, ocdskit,
ocdsmerge and ocdsextensionregistry all download it at run time, and there is no network
here), so this describes, in our words, only the fields we use: enough to refuse a file that
would mislead the import, and to tell `ocdsmerge` how to merge releases (arrays of objects
with an `id` merge by id; `id` and `tag` of a release are dropped from a compiled release).
Anything else in a publication is allowed and ignored.
"""

from __future__ import annotations

from typing import Any

STRING = {"type": "string", "minLength": 1}
NULLABLE_STRING = {"type": ["string", "null"]}
DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
IDENTIFIER = {"type": ["string", "integer"]}

CONTRACT_STATUS = ["pending", "active", "cancelled", "terminated"]
MILESTONE_STATUS = ["scheduled", "met", "notMet", "partiallyMet", None]

PERIOD: dict[str, Any] = {
    "type": "object",
    "properties": {"startDate": DATE_TIME, "endDate": DATE_TIME, "maxExtentDate": DATE_TIME},
}
VALUE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "amount": {"type": ["number", "null"]},
        "currency": {"type": ["string", "null"], "pattern": "^[A-Z]{3}$"},
    },
}
CLASSIFICATION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "scheme": NULLABLE_STRING,
        "id": IDENTIFIER,
        "description": NULLABLE_STRING,
    },
}
ITEM: dict[str, Any] = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": IDENTIFIER,
        "description": NULLABLE_STRING,
        "classification": CLASSIFICATION,
        "additionalClassifications": {"type": "array", "items": CLASSIFICATION},
    },
}
ORGANIZATION_REFERENCE: dict[str, Any] = {
    "type": "object",
    "properties": {"id": IDENTIFIER, "name": NULLABLE_STRING},
}
DOCUMENT: dict[str, Any] = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": IDENTIFIER,
        "documentType": NULLABLE_STRING,
        "title": NULLABLE_STRING,
        "description": NULLABLE_STRING,
        "url": {"type": ["string", "null"], "format": "uri"},
        "datePublished": DATE_TIME,
        "dateModified": DATE_TIME,
        "format": NULLABLE_STRING,
    },
}
MILESTONE: dict[str, Any] = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": IDENTIFIER,
        "title": NULLABLE_STRING,
        "type": NULLABLE_STRING,
        "description": NULLABLE_STRING,
        "code": NULLABLE_STRING,
        "dueDate": DATE_TIME,
        "dateMet": DATE_TIME,
        "dateModified": DATE_TIME,
        "status": {"type": ["string", "null"], "enum": MILESTONE_STATUS},
        "documents": {"type": "array", "items": DOCUMENT},
    },
}
SUSTAINABILITY: dict[str, Any] = {
    # From the sustainability extension; no `id`, so a newer release replaces the list.
    "type": "object",
    "properties": {
        "goal": NULLABLE_STRING,
        "strategies": {"type": "array", "items": {"type": "string"}},
        "description": NULLABLE_STRING,
    },
}
PARTY: dict[str, Any] = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": IDENTIFIER,
        "name": NULLABLE_STRING,
        "identifier": {
            "type": "object",
            "properties": {"scheme": NULLABLE_STRING, "id": IDENTIFIER},
        },
        "address": {"type": "object", "properties": {"countryName": NULLABLE_STRING}},
        "contactPoint": {
            "type": "object",
            "properties": {
                "name": NULLABLE_STRING,
                "email": NULLABLE_STRING,
                "telephone": NULLABLE_STRING,
            },
        },
        "roles": {"type": "array", "items": {"type": "string"}},
    },
}
AWARD: dict[str, Any] = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": IDENTIFIER,
        "status": NULLABLE_STRING,
        "suppliers": {"type": "array", "items": ORGANIZATION_REFERENCE},
        "items": {"type": "array", "items": ITEM},
    },
}
CONTRACT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "awardID"],
    "properties": {
        "id": IDENTIFIER,
        "awardID": IDENTIFIER,
        "title": NULLABLE_STRING,
        "description": NULLABLE_STRING,
        "status": {"type": ["string", "null"], "enum": [*CONTRACT_STATUS, None]},
        "period": PERIOD,
        "value": VALUE,
        "items": {"type": "array", "items": ITEM},
        "dateSigned": DATE_TIME,
        # The contract suppliers extension (one award, several contracts).
        "suppliers": {"type": "array", "items": ORGANIZATION_REFERENCE},
        "implementation": {
            "type": "object",
            "properties": {
                "milestones": {"type": "array", "items": MILESTONE},
                "documents": {"type": "array", "items": DOCUMENT},
            },
        },
    },
}
RELEASE: dict[str, Any] = {
    "type": "object",
    "required": ["ocid", "id", "date", "tag", "initiationType"],
    "properties": {
        "ocid": STRING,
        "id": {**STRING, "omitWhenMerged": True},
        "date": {"type": "string", "format": "date-time"},
        "tag": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string"},
            "omitWhenMerged": True,
        },
        "initiationType": {"type": "string", "enum": ["tender"]},
        "parties": {"type": "array", "items": PARTY},
        "buyer": ORGANIZATION_REFERENCE,
        "tender": {
            "type": "object",
            "properties": {
                "id": IDENTIFIER,
                "title": NULLABLE_STRING,
                "items": {"type": "array", "items": ITEM},
                "hasSustainability": {"type": ["boolean", "null"]},
                "sustainability": {"type": "array", "items": SUSTAINABILITY},
                "lots": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {
                            "id": IDENTIFIER,
                            "sustainability": {"type": "array", "items": SUSTAINABILITY},
                        },
                    },
                },
            },
        },
        "awards": {"type": "array", "items": AWARD},
        "contracts": {"type": "array", "items": CONTRACT},
    },
}
PUBLISHER: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": STRING, "uri": {"type": "string", "format": "uri"}},
}
RELEASE_PACKAGE: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["uri", "publisher", "publishedDate", "releases", "version"],
    "properties": {
        "uri": {"type": "string", "format": "uri"},
        "version": {"type": "string", "pattern": r"^(\d+)\.(\d+)$"},
        "publishedDate": {"type": "string", "format": "date-time"},
        "publisher": PUBLISHER,
        "releases": {"type": "array", "minItems": 1, "items": RELEASE},
    },
}
RECORD: dict[str, Any] = {
    "type": "object",
    "required": ["ocid"],
    "properties": {
        "ocid": STRING,
        "releases": {"type": "array"},
        "compiledRelease": RELEASE,
    },
}
RECORD_PACKAGE: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["uri", "publisher", "publishedDate", "records", "version"],
    "properties": {
        "uri": {"type": "string", "format": "uri"},
        "version": {"type": "string", "pattern": r"^(\d+)\.(\d+)$"},
        "publishedDate": {"type": "string", "format": "date-time"},
        "publisher": PUBLISHER,
        "records": {"type": "array", "minItems": 1, "items": RECORD},
    },
}
# What ocdsmerge reads to decide how to merge (it never sees `$schema` or `required`).
MERGE_SCHEMA: dict[str, Any] = {"properties": RELEASE["properties"]}
