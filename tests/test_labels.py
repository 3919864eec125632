"""The widget and the dashboard label reasons and statuses from one table (issue 13 item 6); the table's
own completeness (both languages, every error code) is pinned in test_widget_scripts.py."""

import pytest

from commentsvc.config import LANGUAGES
from commentsvc.models import CommentStatus, ReportReason
from commentsvc.text.labels import label_table
from commentsvc.web.dashboard.labels import label, reason_label


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("kind", "codes"), [("reasons", ReportReason), ("statuses", CommentStatus)])
def test_every_reason_and_status_enum_value_has_a_label(language: str, kind: str, codes: type) -> None:
    labels = label_table()[language][kind]
    assert {code.value for code in codes} <= {code for code, text in labels.items() if text.strip()}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_shows_the_widgets_labels(language: str) -> None:
    """Regression: the dashboard said 谩骂攻击 / 不实信息 where the widget said 辱骂攻击 / 虚假信息."""
    table = label_table()[language]
    for reason in ReportReason:
        assert table["reasons"][reason.value] in reason_label(reason.value, language)
    for status in CommentStatus:
        assert label(status.value, language) == table["statuses"][status.value]
