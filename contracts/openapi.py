"""The OpenAPI 3.1 document, derived from the service table."""

from typing import Any

from pydantic import BaseModel

from contracts.errors import ErrorReply
from contracts.messages import Empty
from contracts.service import CALLS

_REF = "#/components/schemas/{model}"


def _schema_ref(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=_REF)
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _json(ref: dict[str, str], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def openapi_document(version: str) -> dict[str, Any]:
    """Every call of `CALLS` as an OpenAPI operation, with its errors as responses."""
    schemas: dict[str, Any] = {}
    error_ref = _schema_ref(ErrorReply, schemas)
    paths: dict[str, Any] = {}
    for call in CALLS:
        responses = {str(call.status): _json(_schema_ref(call.reply, schemas), "Success")}
        for status in call.errors:
            responses[str(status.http_status)] = _json(error_ref, status.value)
        operation: dict[str, Any] = {
            "operationId": call.name,
            "summary": call.summary,
            "responses": responses,
        }
        if call.request is not Empty:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema_ref(call.request, schemas)}},
            }
        if call.authenticated:
            operation["security"] = [{"bearer": []}]
        paths.setdefault(call.route, {})[call.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "authserver", "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
