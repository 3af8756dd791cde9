"""The API's JSON parser refuses bodies nested too deeply, for every endpoint (a RecursionError and a
500 before); what it takes is what DRF's parser takes."""

import io
import json

import pytest
from rest_framework.exceptions import ParseError

from web.api_input import JSONParser

TEN_THOUSAND = "[" * 10_000 + "]" * 10_000


@pytest.mark.parametrize(
    "body", [TEN_THOUSAND, "[" * 65 + "]" * 65, '{"a": ' * 65 + "1" + "}" * 65], ids=["10000", "65-lists", "65-objects"]
)
def test_the_parser_refuses_deep_bodies(body):
    with pytest.raises(ParseError) as caught:
        JSONParser().parse(io.BytesIO(body.encode()))
    assert caught.value.detail == "JSON parse error - nested deeper than 64 levels"


def test_the_parser_takes_64_levels():
    body = "[" * 64 + "]" * 64
    assert JSONParser().parse(io.BytesIO(body.encode())) == json.loads(body)


@pytest.mark.django_db
def test_every_endpoint_answers_a_deep_body_with_400(auth_client):
    response = auth_client.post("/api/collector/refresh/", TEN_THOUSAND, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nested deeper than 64 levels", "errors": {}}
