"""axe-core in a Playwright page: a browser test fails on every serious or critical accessibility violation."""

from __future__ import annotations

from typing import Any

from conftest import ROOT, skip_or_fail

AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

# Returns every violation as plain data; axe looks into open shadow roots (the widget's) by itself.
_RUN_AXE = """async (context) => {
    const results = await window.axe.run(context || document, { resultTypes: ["violations"] });
    return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })) }));
}"""


def _inject_axe(page: Any) -> None:
    if not AXE_SOURCE.exists():
        skip_or_fail(f"{AXE_SOURCE} is missing: run `npm ci` at the repository root")
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern,
    # so pages that forbid inline scripts (the demo pages) can be audited as they are served.
    page.evaluate("() => {\n" + AXE_SOURCE.read_text(encoding="utf-8") + "\n}")


def assert_no_serious_axe_violations(page: Any, context: Any = None) -> None:
    """Runs axe on the page, or on `context` (a selector or an axe context object); lists every serious or
    critical violation with its rule id, help text and target nodes."""
    _inject_axe(page)
    violations = [v for v in page.evaluate(_RUN_AXE, context) if v["impact"] in FAILING_IMPACTS]
    if not violations:
        return
    lines = [f"{len(violations)} serious or critical accessibility violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['url']}>")
        for node in violation["nodes"]:
            lines.append(f"    {' >>> '.join(map(str, node['target']))}: {node['summary']}")
    raise AssertionError("\n".join(lines))
