"""``assert_accessible(page)``: axe-core's WCAG 2.1 A/AA and best-practice rules on the page as it is.

axe runs inside the page through Playwright's ``evaluate`` (the DevTools
protocol, which the site's Content-Security-Policy does not govern), so
nothing is added to what the site serves. Serious and critical violations
fail the test, each listed with the rule, its help text and the elements
it found; minor and moderate ones are left to the reports.
"""

from __future__ import annotations

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
FAILING = ("serious", "critical")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(page, *, exclude: tuple[str, ...] = ()) -> list[dict]:
    """axe's violations on the current page (all impacts)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    return page.evaluate(
        """async ([context, tags]) => {
            const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
            const results = await axe.run(context || document, options);
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(
                    n => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\\n").slice(0, 3).join(" ")
                ),
            }));
        }""",
        [context, TAGS],
    )


def assert_accessible(page, *, where: str = "", exclude: tuple[str, ...] = ()) -> None:
    """Fail on any serious or critical axe violation; ``where`` names the page in the message."""
    serious = [v for v in axe_violations(page, exclude=exclude) if v["impact"] in FAILING]
    if serious:
        lines = [f"{where or page.url}: {len(serious)} serious or critical accessibility violation(s)"]
        for violation in serious:
            lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
            lines.extend(f"    {node}" for node in violation["nodes"])
        raise AssertionError("\n".join(lines))
