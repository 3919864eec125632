"""The "hot" order of comments: votes plus age in one time-independent number, stored and indexed."""

from __future__ import annotations

import math
from datetime import datetime

# Seconds of age worth one tenfold change in net votes (Reddit's "hot" ranking, counting the first
# vote too); the score does not depend on the reading time, so it is stored, indexed and paged.
_HOT_HALF_LIFE = 45000
_HOT_EPOCH = datetime(2024, 1, 1)


def hot_score(likes: int, dislikes: int, created_at: datetime) -> float:
    net = likes - dislikes
    order = math.log10(1 + abs(net))
    sign = (net > 0) - (net < 0)
    return round(sign * order + (created_at - _HOT_EPOCH).total_seconds() / _HOT_HALF_LIFE, 7)
