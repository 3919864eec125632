"""Working the queues: what a moderator sees, single and bulk actions, and that readers see the result at once."""

import io
import re
from datetime import datetime, timedelta

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator, post, thread_json

from commentsvc.clock import utcnow

URL = "/api/v1/comments"


@pytest.fixture
def moderator_client(app, client):
    make_moderator(app)
    log_in(client)
    return client


def items(html):
    """The comment ids on a queue page, in page order."""
    return [int(n) for n in re.findall(r'data-commentsvc-item data-comment-id="(\d+)"', html)]


def nav_count(html, queue):
    return int(re.search(rf'data-count="{queue}">(\d+)<', html).group(1))


def act(client, ids, action, **extra):
    data = {"ids": [str(i) for i in ids], "action": action, "next": "/dashboard/queue/pending"}
    data.update(extra)
    return post(client, "/dashboard/comments/action", data)


def audit_actions(client, **query):
    html = client.get("/dashboard/audit", query_string=query).get_data(as_text=True)
    return re.findall(r'data-audit-action="([a-z_]+)"', html)


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_a_pending_comment_shows_its_article_author_and_context(moderator_client, make_comment):
    """A pending comment shows with its article, author and context."""
    comment = make_comment(
        name="张三",
        email="zhang@example.com",
        website="https://zhang.example",
        url="https://news.example/a",
        headers={"User-Agent": "TestBrowser/1.0"},
    )
    html = moderator_client.get("/dashboard/queue/pending").get_data(as_text=True)
    assert items(html) == [comment["id"]]
    for text in (
        "Blinken condemns Russia",
        "https://news.example/a",
        "张三",
        "zhang@example.com",
        "https://zhang.example",
        "127.0.0.1",
        "TestBrowser/1.0",
        ARTICLE.split("/")[0],
    ):
        assert text in html
    assert nav_count(html, "pending") == 1


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_each_comment_body_carries_its_own_language(moderator_client, make_comment):
    make_comment(body="這篇報導寫得很清楚，謝謝記者。")
    make_comment(body="The minister's answer left out the numbers that matter.")
    html = moderator_client.get("/dashboard/queue/pending").get_data(as_text=True)
    bodies = re.findall(r'<div class="commentsvc-body" lang="([^"]*)" data-commentsvc-body>', html)
    assert sorted(bodies) == ["en", "zh-Hant"]


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_approving_a_pending_comment_publishes_it_and_updates_counts(moderator_client, make_comment):
    """Approving a pending comment shows it to readers and updates every count."""
    comment = make_comment()
    assert thread_json(moderator_client, ARTICLE)["count"] == 0
    response = act(moderator_client, [comment["id"]], "approve")
    assert response.status_code == 302
    thread = thread_json(moderator_client, ARTICLE)
    assert thread["count"] == 1
    assert [c["id"] for c in thread["comments"]] == [comment["id"]]
    html = moderator_client.get("/dashboard/queue/pending").get_data(as_text=True)
    assert items(html) == []
    assert (nav_count(html, "pending"), nav_count(html, "approved")) == (0, 1)
    assert audit_actions(moderator_client) == ["approve", "login"]


def test_bulk_reject_hides_every_selected_comment_in_one_go(moderator_client, make_comment):
    first, second, third = make_comment(), make_comment(), make_comment()
    response = act(moderator_client, [first["id"], third["id"]], "reject")
    assert response.status_code == 302
    thread = thread_json(moderator_client, ARTICLE)
    assert thread["count"] == 1
    assert [c["id"] for c in thread["comments"]] == [second["id"]]
    html = moderator_client.get("/dashboard/queue/rejected").get_data(as_text=True)
    assert items(html) == [third["id"], first["id"]]
    assert audit_actions(moderator_client, action="reject") == ["reject", "reject"]


def test_a_queued_reply_keeps_its_parent_for_context(moderator_client, make_comment):
    """A reply under a comment keeps its parent for context."""
    parent = make_comment(body="原帖内容")
    child = make_comment(parent_id=parent["id"], body="回复内容")
    html = moderator_client.get(f"/dashboard/comments/{child['id']}").get_data(as_text=True)
    assert f"#{parent['id']}" in html and "原帖内容" in html and "回复内容" in html


def test_spam_and_restore_return_an_approved_comment_to_approved(moderator_client, make_comment):
    comment = make_comment()
    act(moderator_client, [comment["id"]], "spam")
    assert thread_json(moderator_client, ARTICLE)["count"] == 0
    assert items(moderator_client.get("/dashboard/queue/spam").get_data(as_text=True)) == [comment["id"]]
    act(moderator_client, [comment["id"]], "restore")
    assert thread_json(moderator_client, ARTICLE)["count"] == 1


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_a_restored_rejected_comment_returns_to_the_pending_queue(moderator_client, make_comment):
    """Restoring a rejected pending comment puts it back in the pending queue."""
    comment = make_comment()
    act(moderator_client, [comment["id"]], "reject")
    act(moderator_client, [comment["id"]], "restore")
    assert items(moderator_client.get("/dashboard/queue/pending").get_data(as_text=True)) == [comment["id"]]
    assert thread_json(moderator_client, ARTICLE)["count"] == 0


def test_a_comment_its_author_deleted_can_be_restored(moderator_client, make_comment):
    comment = make_comment()
    moderator_client.delete(f"{URL}/{comment['id']}", headers={"Authorization": f"Bearer {comment['edit_token']}"})
    assert items(moderator_client.get("/dashboard/queue/deleted").get_data(as_text=True)) == [comment["id"]]
    act(moderator_client, [comment["id"]], "restore")
    assert thread_json(moderator_client, ARTICLE)["count"] == 1


def test_deleting_a_comment_from_the_dashboard_hides_it(moderator_client, make_comment):
    comment = make_comment()
    act(moderator_client, [comment["id"]], "delete")
    assert thread_json(moderator_client, ARTICLE)["count"] == 0
    assert items(moderator_client.get("/dashboard/queue/deleted").get_data(as_text=True)) == [comment["id"]]


def test_an_unknown_action_or_comment_changes_nothing(moderator_client, make_comment):
    """An unknown action or comment changes nothing and says why."""
    comment = make_comment()
    page = act(moderator_client, [comment["id"]], "obliterate").headers["Location"]
    assert "Unknown action." in moderator_client.get(page).get_data(as_text=True)
    page = act(moderator_client, [comment["id"], 999999], "reject").headers["Location"]
    assert "does not exist" in moderator_client.get(page).get_data(as_text=True)
    assert thread_json(moderator_client, ARTICLE)["count"] == 1


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_REPORT_THRESHOLD": 2}])
def test_reported_comments_show_their_reasons_and_approving_resolves_them(moderator_client, make_comment):
    comment = make_comment()
    for ip, reason in (("10.0.0.1", "abuse"), ("10.1.0.2", "misinformation")):
        moderator_client.post(
            f"{URL}/{comment['id']}/report", json={"reason": reason, "note": "看看"}, environ_base={"REMOTE_ADDR": ip}
        )
    assert thread_json(moderator_client, ARTICLE)["count"] == 0
    html = moderator_client.get("/dashboard/queue/reported?lang=zh-CN").get_data(as_text=True)
    assert items(html) == [comment["id"]]
    assert "谩骂攻击" in html and "不实信息" in html
    assert nav_count(html, "reported") == 1
    act(moderator_client, [comment["id"]], "approve")
    html = moderator_client.get("/dashboard/queue/reported").get_data(as_text=True)
    assert items(html) == [] and nav_count(html, "reported") == 0
    assert thread_json(moderator_client, ARTICLE)["count"] == 1


def test_the_reported_queue_lists_comments_below_the_threshold(moderator_client, make_comment):
    """The reported queue lists a comment below the threshold too."""
    comment = make_comment()
    moderator_client.post(f"{URL}/{comment['id']}/report", json={"reason": "spam"})
    html = moderator_client.get("/dashboard/queue/reported").get_data(as_text=True)
    assert items(html) == [comment["id"]]
    assert "垃圾广告" in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"author": "alice"}, ["alice"]),
        ({"author": "bob@example"}, ["bob"]),
        ({"ip": "10.9."}, ["bob"]),
        ({"text": "UNIQUE"}, ["alice"]),
        ({"article": "second"}, ["carol"]),
        ({"site": "other.site"}, ["carol"]),
        ({"since": "2000-01-01", "until": "2999-01-01"}, ["carol", "bob", "bob", "alice"]),
        ({"until": "2000-01-01"}, []),
    ],
)
def test_queues_filter_by_site_article_author_ip_text_date(moderator_client, make_comment, query, expected):
    """Queues filter by site, article, author, IP, text and date."""
    make_comment(name="alice", body="a unique remark")
    make_comment(name="bob", email="bob@example.com", body="bob's")
    moderator_client.post(
        URL, json={"article": ARTICLE, "name": "bob2", "body": "from 10.9"}, environ_base={"REMOTE_ADDR": "10.9.0.1"}
    )
    make_comment(name="carol", site="other.site", article="second-article", body="carol's")
    html = moderator_client.get("/dashboard/queue/approved", query_string=query).get_data(as_text=True)
    names = re.findall(r"<dt>Author name or email</dt><dd>([a-z0-9]+)", html)
    assert [n.rstrip("2") for n in names] == expected


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_DASHBOARD_PAGE_SIZE": 2}])
def test_queues_are_paged_newest_first(moderator_client, make_comment):
    ids = [make_comment()["id"] for _ in range(5)]
    first = moderator_client.get("/dashboard/queue/approved").get_data(as_text=True)
    assert items(first) == ids[:2:-1] and "Page 1 of 3" in first
    third = moderator_client.get("/dashboard/queue/approved?page=3").get_data(as_text=True)
    assert items(third) == [ids[0]]


def test_author_and_ip_history_count_rejected_comments(moderator_client, make_comment):
    kept = make_comment(email="repeat@example.com")
    rejected = make_comment(email="repeat@example.com")
    act(moderator_client, [rejected["id"]], "reject")
    html = moderator_client.get(f"/dashboard/comments/{kept['id']}").get_data(as_text=True)
    assert re.search(r'data-history="author">2 \(1 rejected\)', html)
    assert re.search(r'data-history="ip">2 \(1 rejected\)', html)


def test_a_moderator_edit_is_rerendered_sanitized_and_logged(moderator_client, make_comment):
    comment = make_comment(body="原文")
    post(
        moderator_client,
        f"/dashboard/comments/{comment['id']}/edit",
        {"body": "改过 **重点** <script>alert(1)</script>"},
    )
    html = thread_json(moderator_client, ARTICLE)["comments"][0]["html"]
    assert "<strong>重点</strong>" in html and "<script" not in html
    audit_html = moderator_client.get("/dashboard/audit?action=edit").get_data(as_text=True)
    assert "原文" in audit_html and "&lt;script&gt;" in audit_html


def test_a_staff_reply_is_published_at_once_and_flagged(moderator_client, make_comment):
    """A staff reply is published at once, with the staff flag."""
    comment = make_comment()
    post(moderator_client, f"/dashboard/comments/{comment['id']}/reply", {"body": "感谢指正，已更新报道。"})
    thread = thread_json(moderator_client, ARTICLE)
    reply = thread["comments"][0]["replies"][0]
    assert reply["staff"] is True and reply["name"] == "editor" and "已更新报道" in reply["html"]
    assert thread["count"] == 2
    assert audit_actions(moderator_client, action="staff_reply") == ["staff_reply"]


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_a_staff_reply_skips_pre_moderation(moderator_client, make_comment):
    comment = make_comment()
    act(moderator_client, [comment["id"]], "approve")
    post(moderator_client, f"/dashboard/comments/{comment['id']}/reply", {"body": "工作人员回复"})
    assert thread_json(moderator_client, ARTICLE)["count"] == 2


def test_names_and_text_are_escaped_except_sanitized_html(moderator_client, make_comment):
    """Names and text are escaped, and only sanitized HTML is shown."""
    comment = make_comment(name="<img src=x onerror=alert(1)>", body="<b onmouseover=x>hi</b>")
    html = moderator_client.get(f"/dashboard/comments/{comment['id']}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "onmouseover" not in html.replace("&lt;b onmouseover=x&gt;", "")


# --- bans, words, policy through the dashboard -----------------------------------------------------


def test_a_dashboard_ban_refuses_that_ip_until_removed(moderator_client):
    """A ban added in the dashboard refuses that IP until it is removed."""
    post(moderator_client, "/dashboard/bans", {"kind": "ip", "value": "198.51.100.0/24", "note": "刷屏"})
    html = moderator_client.get("/dashboard/bans").get_data(as_text=True)
    assert 'data-ban="198.51.100.0/24"' in html and "刷屏" in html
    refused = moderator_client.post(
        URL, json={"article": ARTICLE, "body": "hi"}, environ_base={"REMOTE_ADDR": "198.51.100.5"}
    )
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "banned"
    ban_id = re.search(r"/dashboard/bans/(\d+)/delete", html).group(1)
    post(moderator_client, f"/dashboard/bans/{ban_id}/delete")
    allowed = moderator_client.post(
        URL, json={"article": ARTICLE, "body": "hi"}, environ_base={"REMOTE_ADDR": "198.51.100.5"}
    )
    assert allowed.status_code == 201
    assert audit_actions(moderator_client, target_type="ban") == ["unban", "ban"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "ip", "value": "not-an-ip"}, "is not an IP address"),
        ({"kind": "email", "value": "nobody"}, "is not an email address"),
        ({"kind": "ip", "value": "10.0.0.1", "expires_at": "2000-01-01T00:00"}, "must be in the future"),
    ],
)
def test_an_invalid_ban_is_refused_with_a_reason(moderator_client, data, message):
    page = post(moderator_client, "/dashboard/bans", data, follow_redirects=True).get_data(as_text=True)
    assert message in page
    assert "data-ban=" not in page


def test_a_ban_with_an_expiry_shows_it(moderator_client):
    expiry = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    post(
        moderator_client,
        "/dashboard/bans",
        {"kind": "email", "value": "Troll@Example.com", "expires_at": expiry.strftime("%Y-%m-%dT%H:%M")},
    )
    html = moderator_client.get("/dashboard/bans").get_data(as_text=True)
    assert 'data-ban="troll@example.com"' in html and expiry.strftime("%Y-%m-%d %H:%M") in html


def test_a_dashboard_word_holds_an_evasive_spelling(moderator_client):
    """A word added in the dashboard holds an evasive spelling and is highlighted."""
    post(moderator_client, "/dashboard/words", {"word": "敏感词", "action": "hold"})
    created = moderator_client.post(URL, json={"article": ARTICLE, "body": "前面敏 😀 感*词后面"})
    assert created.get_json()["status"] == "pending"
    html = moderator_client.get("/dashboard/queue/pending").get_data(as_text=True)
    assert "<mark>敏 😀 感*词</mark>" in html


def test_words_are_imported_from_a_text_file(moderator_client):
    upload = ("\n".join(["甲词", "乙词", "", "# a comment", "甲词"]) + "\n").encode()
    page = post(
        moderator_client,
        "/dashboard/words/import",
        {"action": "mask", "file": (io.BytesIO(upload), "words.txt")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert re.findall(r'data-word="([^"]+)"', page) == ["乙词", "甲词"]
    created = moderator_client.post(URL, json={"article": ARTICLE, "body": "这是甲词"}).get_json()
    assert "这是＊＊" in created["html"]


def test_ten_thousand_word_file_imports_past_the_request_limit(moderator_client):
    """A ten-thousand-word file imports despite the small request limit."""
    upload = "\n".join(f"词语{i:05d}" for i in range(10_000)).encode()
    assert len(upload) > 64 * 1024
    page = post(
        moderator_client,
        "/dashboard/words/import",
        {"action": "hold", "file": (io.BytesIO(upload), "big.txt")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "data-total>10000<" in page


def test_closing_an_article_in_the_dashboard_refuses_new_comments(moderator_client, make_comment):
    make_comment()
    html = moderator_client.get("/dashboard/queue/approved").get_data(as_text=True)
    thread_id = re.search(r"/dashboard/threads/(\d+)", html).group(1)
    post(moderator_client, f"/dashboard/threads/{thread_id}", {"moderation": "", "closed": "1"})
    assert thread_json(moderator_client, ARTICLE)["closed"] is True
    refused = moderator_client.post(URL, json={"article": ARTICLE, "body": "还能评论吗"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "thread_closed"
    assert audit_actions(moderator_client, target_type="thread") == ["thread_policy"]


def test_an_admin_puts_a_site_into_pre_moderation(moderator_client):
    post(moderator_client, "/dashboard/sites", {"site": "default", "moderation": "pre"})
    assert moderator_client.post(URL, json={"article": ARTICLE, "body": "先审后发"}).get_json()["status"] == "pending"
    assert 'data-site="default"' in moderator_client.get("/dashboard/sites").get_data(as_text=True)


# --- overview and audit --------------------------------------------------------------------------


def test_the_overview_charts_thirty_days_and_the_busiest_articles(moderator_client, make_comment):
    """The overview charts thirty days and lists the busiest articles."""
    make_comment()
    make_comment()
    make_comment(article="quiet-article", title="Quiet")
    html = moderator_client.get("/dashboard/").get_data(as_text=True)
    bars = re.findall(r'<g data-day="([0-9-]+)" data-count="(\d+)">', html)
    assert len(bars) == 30
    assert bars[-1] == (utcnow().date().isoformat(), "3")
    top = html.split("Most commented", 1)[1]
    assert top.index("Blinken condemns Russia") < top.index("Quiet")
    assert 'data-stat="pending">0<' in html


def test_the_audit_log_cannot_be_changed_through_the_dashboard(app):
    audit_rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/dashboard/audit")]
    assert audit_rules and all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in audit_rules)


def test_every_audit_entry_names_who_when_and_from_where(app, make_comment):
    make_moderator(app)
    client = app.test_client()
    log_in(client, REMOTE_ADDR="192.0.2.44")
    comment = make_comment()
    post(
        client,
        "/dashboard/comments/action",
        {"ids": comment["id"], "action": "spam"},
        environ_base={"REMOTE_ADDR": "192.0.2.44"},
    )
    html = client.get("/dashboard/audit?action=spam").get_data(as_text=True)
    row = html.split('data-audit-action="spam"', 1)[1].split("</tr>", 1)[0]
    assert "editor" in row and f"comment #{comment['id']}" in row and "192.0.2.44" in row
    assert "from: approved" in row and "to: spam" in row


@pytest.mark.parametrize(
    "language, labels",
    [("en", ["Approve", "Reject", "Spam", "Delete", "Restore"]), ("zh-CN", ["通过", "拒绝", "垃圾", "删除", "恢复"])],
)
def test_the_action_buttons_use_the_pinned_labels(moderator_client, make_comment, language, labels):
    comment = make_comment()
    act(moderator_client, [comment["id"]], "spam")
    html = moderator_client.get(f"/dashboard/queue/spam?lang={language}").get_data(as_text=True)
    bulk = html.split('id="commentsvc-bulk"', 1)[1].split("</form>", 1)[0]
    assert re.findall(r'<button type="submit" name="action" value="[a-z]+">([^<]+)</button>', bulk) == labels
    single = html.split("data-commentsvc-actions", 1)[1].split("</form>", 1)[0]
    assert re.findall(r'data-action="[a-z]+">([^<]+)</button>', single) == [labels[0], labels[1], labels[3], labels[4]]


def test_a_moderator_edit_keeps_mask_words_masked(moderator_client, make_comment):
    post(moderator_client, "/dashboard/words", {"word": "敏感词", "action": "mask"})
    comment = make_comment(body="原文")
    post(moderator_client, f"/dashboard/comments/{comment['id']}/edit", {"body": "改成 敏.感.词 了"})
    assert "改成 ＊＊＊＊＊ 了" in thread_json(moderator_client, ARTICLE)["comments"][0]["html"]


# --- wording and markup (issue 17, item 20) ------------------------------------------------------------


def test_the_overview_counts_an_articles_comments_in_correct_english(moderator_client, make_comment):
    """Regression: the English overview said "1 Comments"."""
    make_comment(article="one", title="One")
    make_comment(article="two", title="Two")
    make_comment(article="two", title="Two")
    counts = re.findall(r"data-top-count>([^<]+)<", moderator_client.get("/dashboard/?lang=en").get_data(as_text=True))
    assert counts == ["2 comments", "1 comment"]
    chinese = moderator_client.get("/dashboard/?lang=zh-CN").get_data(as_text=True)
    assert re.findall(r"data-top-count>([^<]+)<", chinese) == ["2 条评论", "1 条评论"]


def test_times_are_sent_as_utc_that_the_browser_can_localise(moderator_client, make_comment):
    """Regression: times were UTC only; they now carry a machine-readable UTC value for the moderator's clock,
    and read as UTC without JavaScript."""
    comment = make_comment()
    html = moderator_client.get(f"/dashboard/comments/{comment['id']}").get_data(as_text=True)
    stamp = re.search(r'<time datetime="([0-9T:-]+)Z" data-commentsvc-time="minutes">([0-9: -]+) UTC</time>', html)
    assert stamp, "no <time> element with a UTC datetime"
    created = datetime.fromisoformat(comment["created_at"].replace("Z", "+00:00")).replace(tzinfo=None)
    assert datetime.fromisoformat(stamp.group(1)) == created.replace(microsecond=0)
    assert stamp.group(2) == created.strftime("%Y-%m-%d %H:%M")
    audit = moderator_client.get("/dashboard/audit").get_data(as_text=True)
    assert re.search(r'<time datetime="[0-9T:-]+Z" data-commentsvc-time="seconds">[0-9: -]{19} UTC</time>', audit)


@pytest.mark.parametrize("path", ["/dashboard/bans", "/dashboard/words", "/dashboard/sites", "/dashboard/moderators"])
def test_every_table_header_has_a_name(moderator_client, make_comment, path):
    """Regression: the bans, words, sites and moderators tables had an empty <th> over their buttons."""
    make_comment()
    headers = re.findall(r"<th>(.*?)</th>", moderator_client.get(path).get_data(as_text=True), flags=re.S)
    assert headers and all(re.sub(r"<[^>]+>", "", header).strip() for header in headers)


def test_the_comment_page_has_a_heading(moderator_client, make_comment):
    """Regression: the comment page had no h1."""
    comment = make_comment()
    html = moderator_client.get(f"/dashboard/comments/{comment['id']}?lang=zh-CN").get_data(as_text=True)
    assert re.findall(r"<h1>(.*?)</h1>", html) == [f"评论 #{comment['id']}"]
