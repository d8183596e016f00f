"""schemathesis over the Open311 GeoReport v2 routes (issue #8): generated
valid and invalid requests to every /open311/v2 operation of /openapi.json,
against a real server on both backends. No 5xx; only documented status codes
and content types; JSON bodies that match the documented schemas, the
specification's error list (``[{code, description}]``) included.

Half of the generated POST bodies carry a live API key and a real service
code, so the checks reach past the 403/404 gates into the request itself.
Paths that match no route under /open311/v2 (a generated id with a ``/``)
must answer the Open311 404 document too.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from typer.testing import CliRunner

pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from operator_tui.apikeys_cli import apikeys_app
from tests.server_helpers import BACKEND_PARAMS, drop_database, new_database, prepare_database
from tests.servers import ServerProcess

schemathesis.experimental.OPEN_API_3_1.enable()  # FastAPI serves OpenAPI 3.1

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection)
MAX_EXAMPLES = 40


class Target:
    def __init__(self, server: ServerProcess):
        self.server = server
        result = CliRunner().invoke(apikeys_app, ["issue", "fuzz-portal", "--database", server.database_url])
        assert result.exit_code == 0, result.stderr
        self.key = result.stdout.strip()
        services = httpx.get(server.url + "/open311/v2/services.json", timeout=10).json()
        self.service = next(s["service_code"] for s in services if not s["metadata"])
        self.posts = 0


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    url = prepare_database(new_database(request.param, request, tmp_path_factory, "fuzz311"))
    srv = ServerProcess(url, workdir=tmp_path_factory.mktemp("fuzz311-server"))
    try:
        srv.start()
        yield Target(srv)
    finally:
        srv.stop()
        drop_database(request, url)


@pytest.fixture(scope="module")
def api_schema(target: Target):
    return schemathesis.from_uri(
        target.server.url + "/openapi.json",
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    ).include(path_regex="^/open311/")


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), print_blob=True)
def test_open311(case: schemathesis.Case, target: Target) -> None:
    positive = case.data_generation_method == DataGenerationMethod.positive
    if positive and case.method == "POST" and isinstance(case.body, dict):
        target.posts += 1
        if target.posts % 2:  # past the gates: a live key and a real service
            case.body["api_key"] = target.key
            case.body.setdefault("service_code", target.service)
            if case.body["service_code"] in ("", None):
                case.body["service_code"] = target.service
            if not any(case.body.get(name) for name in ("lat", "address_string", "address_id")):
                case.body["address_string"] = "朝阳区建国路88号"
    case.headers = {}  # headers that are not HTTP at all are refused by uvicorn before the app
    response = case.call(timeout=30)
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("path", [
    "/open311/v2/services/a/b.json", "/open311/v2/requests/1/2.xml", "/open311/v2/nothing.json",
    "/open311/v2/tokens/x/y.json",
])
def test_unrouted_paths_answer_the_open311_404(target: Target, path: str) -> None:
    response = httpx.get(target.server.url + path, timeout=10)
    assert response.status_code == 404
    if path.endswith(".json"):
        [error] = response.json()
        assert error["code"] == 404 and path.removeprefix("/open311/v2/") in error["description"]
    else:
        assert response.headers["content-type"].startswith("text/xml")
        assert b"<errors><error><code>404</code>" in response.content
