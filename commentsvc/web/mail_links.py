"""The pages readers reach from our emails: confirm reply notifications, unsubscribe (RFC 8058 one-click).

A GET only shows a page with a button; the POST acts, so a mail scanner following links does nothing.
The one-click POST a mail client sends (List-Unsubscribe=One-Click) needs no form token: the signed
token in the URL is the proof, and it can only stop mail, never start it.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from ..clock import utcnow
from ..domain.notifications import subscriptions
from ..extensions import db
from ..storage.engine import begin_write

mail_links = Blueprint("mail_links", __name__)

TEXTS = {
    "en": {
        "confirm_title": "Confirm reply notifications",
        "confirm_ask": "Press the button to get an email when someone replies to your comments.",
        "confirm_button": "Confirm",
        "confirmed": "Thank you: you will get an email when someone replies.",
        "unsubscribe_title": "Unsubscribe",
        "unsubscribe_thread": "Stop emails about replies in this article?",
        "unsubscribe_all": "Stop every email from us?",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed": "Done: you will not get these emails any more.",
    },
    "zh-CN": {
        "confirm_title": "确认回复通知",
        "confirm_ask": "点击按钮，有人回复您的评论时将收到邮件通知。",
        "confirm_button": "确认",
        "confirmed": "谢谢：有人回复时您将收到邮件。",
        "unsubscribe_title": "退订",
        "unsubscribe_thread": "不再接收这篇文章的回复邮件？",
        "unsubscribe_all": "不再接收我们的任何邮件？",
        "unsubscribe_button": "退订",
        "unsubscribed": "已退订：您不会再收到这些邮件。",
    },
}


def _page(template: str, language: str, **values: object) -> BaseResponse:
    texts = TEXTS["en"] if language == "en" else TEXTS["zh-CN"]
    response = current_app.response_class(
        render_template(template, t=texts, language=language, token=request.args.get("token", ""), **values)
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token must not leak to any linked site
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _language(subscriber_id: int) -> str:
    return subscriptions.find_subscriber(db.session(), subscriber_id).language


@mail_links.get(subscriptions.CONFIRM_PATH)
def confirm_page() -> BaseResponse:
    secret = current_app.config["SECRET_KEY"]
    subscriber_id = subscriptions.read_confirm_token(secret, request.args.get("token", ""))
    return _page("notifications/confirm.html", _language(subscriber_id), done=False)


@mail_links.post(subscriptions.CONFIRM_PATH)
def confirm() -> BaseResponse:
    begin_write()
    subscriber = subscriptions.confirm_subscriber(
        db.session(), secret=current_app.config["SECRET_KEY"], token=request.args.get("token", ""), now=utcnow()
    )
    language = subscriber.language
    db.session.commit()
    return _page("notifications/confirm.html", language, done=True)


@mail_links.get(subscriptions.UNSUBSCRIBE_PATH)
def unsubscribe_page() -> BaseResponse:
    request_ = subscriptions.read_unsubscribe_token(current_app.config["SECRET_KEY"], request.args.get("token", ""))
    return _page("notifications/unsubscribe.html", _language(request_.subscriber_id), scope=request_.scope, done=False)


@mail_links.post(subscriptions.UNSUBSCRIBE_PATH)
def unsubscribe() -> BaseResponse:
    """The form's button and a mail client's RFC 8058 one-click POST both land here."""
    begin_write()
    done = subscriptions.unsubscribe(
        db.session(), secret=current_app.config["SECRET_KEY"], token=request.args.get("token", ""), now=utcnow()
    )
    language = _language(done.subscriber_id)
    db.session.commit()
    return _page("notifications/unsubscribe.html", language, scope=done.scope, done=True)
