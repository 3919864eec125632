"""Overview page: comments per day, the pending count, the week's most-commented articles."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import (
    current_app,
    render_template,
)

from ...clock import utcnow
from ...domain import statistics, surge
from ...extensions import db
from .core import dashboard

# --- overview ---------------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 600, 160, 14
LABEL_EVERY = 5


def _chart(per_day: list[tuple[date, int]]) -> dict[str, Any]:
    """Bar geometry computed here so the SVG template is only markup (no inline styles or scripts)."""
    peak = max((count for _, count in per_day), default=0) or 1
    slot = CHART_WIDTH / max(len(per_day), 1)
    bars = []
    last = len(per_day) - 1
    for index, (day, count) in enumerate(per_day):
        height = round((CHART_HEIGHT - CHART_TOP) * count / peak, 1)
        # A label centred under its bar would overhang the chart's edges at either end (the last one was
        # cut to "12-0"), so the first starts at its bar's left edge and the last ends at its right edge.
        anchor, label_x = "middle", (index + 0.5) * slot
        if index == 0:
            anchor, label_x = "start", index * slot + 1
        elif index == last:
            anchor, label_x = "end", (index + 1) * slot - 1
        bars.append(
            {
                "x": round(index * slot + 1, 1),
                "y": round(CHART_HEIGHT - height, 1),
                "width": round(slot - 2, 1),
                "height": height,
                "day": day.isoformat(),
                "count": count,
                "label": day.strftime("%m-%d") if index % LABEL_EVERY == 0 or index == last else "",
                "label_x": round(label_x, 1),
                "label_anchor": anchor,
            }
        )
    return {"bars": bars, "width": CHART_WIDTH, "height": CHART_HEIGHT, "peak": peak}


@dashboard.get("/")
def overview() -> str:
    now = utcnow()
    per_day = statistics.comments_per_day(db.session(), now=now, days=30)
    return render_template(
        "dashboard/overview.html",
        chart=_chart(per_day),
        total_30=sum(c for _, c in per_day),
        top=statistics.most_commented(db.session(), since=now - timedelta(days=7)),
        surges=surge.active_surges(db.session(), now),
        surge_minutes=current_app.config["COMMENTSVC_SURGE_MINUTES"],
    )
