"""IP属地 (issue 16): a comment's region label, resolved when it is posted from the operator's mmdb file;
the address itself is never shown."""

from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLE, own_words
from dashboard_support import log_in, make_moderator
from form_filling import with_form_token
from geo_support import CHINA_ONLY_IP, GERMAN_IP, GERMAN_IPV6, JIANGSU_IP, UNKNOWN_IP, build_mmdb

from commentsvc.domain import site_overrides
from commentsvc.domain.regions import Region, RegionLookup
from commentsvc.extensions import db

URL = "/api/v1/comments"


@pytest.fixture
def mmdb(tmp_path: Path) -> Path:
    return build_mmdb(tmp_path / "city.mmdb")


@pytest.mark.parametrize(
    "address, region",
    [
        (JIANGSU_IP, Region("江苏", "Jiangsu, China")),
        (f"::ffff:{JIANGSU_IP}", Region("江苏", "Jiangsu, China")),
        (CHINA_ONLY_IP, Region("中国", "China")),
        (GERMAN_IP, Region("德国", "Germany")),
        (GERMAN_IPV6, Region("德国", "Germany")),
        (UNKNOWN_IP, None),
        ("127.0.0.1", None),
        ("10.1.2.3", None),
        ("192.168.0.9", None),
        ("::1", None),
        ("not an address", None),
    ],
)
def test_an_address_is_labelled_by_province_in_china_and_by_country_elsewhere(
    mmdb: Path, address: str, region: Region | None
) -> None:
    assert RegionLookup.open(str(mmdb)).region_of(address) == region


@pytest.mark.parametrize("content", [None, b"not an mmdb file"])
def test_a_missing_or_unreadable_file_is_one_clear_line_and_no_labels(
    make_app: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes | None
) -> None:
    path = tmp_path / "missing.mmdb"
    if content is not None:
        path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        app = make_app(COMMENTSVC_GEOIP_DB=str(path), COMMENTSVC_SHOW_REGION=True)
    lines = [record.getMessage() for record in caplog.records if "COMMENTSVC_GEOIP_DB" in record.getMessage()]
    assert len(lines) == 1 and str(path) in lines[0] and "\n" not in lines[0]
    assert not any(record.exc_info for record in caplog.records)
    response = app.test_client().post(
        URL, json={"article": ARTICLE, "body": own_words("没有属地")}, environ_base={"REMOTE_ADDR": JIANGSU_IP}
    )
    assert response.status_code == 201 and response.get_json()["region"] is None


def post_from(client: Any, address: str, site: str = "default") -> Any:
    return client.post(
        URL,
        json={"site": site, "article": ARTICLE, "body": own_words("属地")},
        environ_base={"REMOTE_ADDR": address},
    )


def thread_regions(client: Any, site: str = "default") -> list[Any]:
    answer = client.get(f"{URL}?site={site}&article={ARTICLE}&sort=oldest").get_json()
    return [comment["region"] for comment in answer["comments"]]


def test_posts_on_a_site_that_shows_regions_carry_the_label_in_the_thread(make_app: Any, mmdb: Path) -> None:
    client = make_app(COMMENTSVC_GEOIP_DB=str(mmdb), COMMENTSVC_SHOW_REGION=True).test_client()
    for address in (JIANGSU_IP, GERMAN_IP, "127.0.0.1"):
        assert post_from(client, address).status_code == 201
    assert thread_regions(client) == [
        {"zh": "江苏", "en": "Jiangsu, China"},
        {"zh": "德国", "en": "Germany"},
        None,
    ]


def test_regions_are_off_unless_a_site_turns_them_on(make_app: Any, mmdb: Path) -> None:
    app = make_app(COMMENTSVC_GEOIP_DB=str(mmdb))
    with app.app_context():
        site_overrides.set_override(db.session, site="news", name="COMMENTSVC_SHOW_REGION", value="on")
        db.session.commit()
    client = app.test_client()
    assert post_from(client, JIANGSU_IP, site="news").status_code == 201
    assert post_from(client, JIANGSU_IP, site="blog").status_code == 201
    assert thread_regions(client, "news") == [{"zh": "江苏", "en": "Jiangsu, China"}]
    assert thread_regions(client, "blog") == [None]


def test_the_dashboard_shows_the_region_beside_the_address(make_app: Any, mmdb: Path) -> None:
    app = make_app(COMMENTSVC_GEOIP_DB=str(mmdb), COMMENTSVC_SHOW_REGION=True)
    client = app.test_client()
    assert post_from(client, GERMAN_IP).status_code == 201
    make_moderator(app)
    log_in(client)
    assert "data-commentsvc-region>德国<" in client.get("/dashboard/queue/approved?lang=zh-CN").get_data(as_text=True)
    assert "data-commentsvc-region>Germany<" in client.get("/dashboard/queue/approved?lang=en").get_data(as_text=True)


@pytest.mark.browser
def test_the_widget_shows_the_label_in_the_readers_language(
    page: Any, start_server: Any, tmp_path: Path, mmdb: Path
) -> None:
    live = start_server(
        env={"COMMENTSVC_GEOIP_DB": str(mmdb), "COMMENTSVC_SHOW_REGION": "on", "COMMENTSVC_TRUSTED_PROXIES": "1"}
    )
    for article, address, words in (
        ("news/2024/09/16/blinken-condemns-russia", JIANGSU_IP, "来自江苏的读者"),
        ("en/news/2024/09/16/blinken-condemns-russia", GERMAN_IP, "a reader in Germany"),
        ("en/news/2024/09/16/blinken-condemns-russia", JIANGSU_IP, "a reader in Jiangsu"),
    ):
        headers = {"X-Forwarded-For": address}
        payload = with_form_token(live.url, {"article": article, "body": own_words(words)}, headers)
        request = urllib.request.Request(
            f"{live.url}{URL}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **headers},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()

    regions = []
    for path in ("/demo/", "/demo/en/"):
        page.goto(f"{live.url}{path}")
        widget = page.locator("#comments")
        widget.scroll_into_view_if_needed()
        widget.locator(".commentsvc-region").first.wait_for()
        regions.append(sorted(widget.locator(".commentsvc-region").all_inner_texts()))
    assert regions == [["IP属地：江苏"], ["from Germany", "from Jiangsu, China"]]
    assert page.console_errors == []
