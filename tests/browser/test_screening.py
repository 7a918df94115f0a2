"""Two reviewers screen the same records from the keyboard; the lead settles their conflict."""

import statistics

import pytest
from playwright.sync_api import expect

from reviews.demo import demo_imports
from screening.models import Conflict, Decision, Resolution, Stage, Verdict
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.reviews.factories import RecordFactory
from tests.support.paint import ARM_PAINT_PROBE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INCLUDE_TERMS = "ketamine, chronic pain, randomi*, placebo"
EXCLUDE_TERMS = "rat*, mice, case report, healthy volunteers"
ABSTRACT = (
    "Background: Chronic pain is common and hard to treat. We asked whether intravenous "
    "ketamine relieves chronic pain more than placebo. Methods: In this randomised, double-blind "
    "trial, 120 adults with chronic low back pain received ketamine 0.5 mg/kg or saline placebo "
    "over 40 minutes, weekly for six weeks. The primary outcome was pain intensity at week 12 on "
    "a 0-10 scale; secondary outcomes were sleep quality, nausea, hallucinations and sedation. "
    "Results: Pain fell by 2.1 points with ketamine and 1.2 with placebo (difference 0.9, 95% CI "
    "0.3 to 1.5). Hallucinations were more frequent with ketamine. Earlier work in rats and mice "
    "suggested the effect lasts longer. Conclusions: Ketamine gave a small, short-lived benefit."
)


def tiny_pdf(text: str = "Full text of the trial") -> bytes:
    """A valid one-page PDF with a line of text, cross-reference table included."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


@pytest.fixture
def open_page(chromium, live_server):
    """Pages in browser contexts of their own: one per person at the same time."""
    contexts = []

    def open_page(username: str):
        context = chromium.new_context(
            viewport={"width": 1366, "height": 850}, base_url=live_server.url
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, username, PASSWORD)
        return page

    yield open_page
    for context in contexts:
        context.close()


def shown(page) -> str:
    return page.locator("#card").get_attribute("data-record")


def press(page, key: str) -> str:
    """Press a key that swaps the card; wait for the new card and return its record id."""
    page.evaluate("() => { document.getElementById('card').dataset.stale = 'yes'; }")
    page.keyboard.press(key)
    page.wait_for_function("() => !document.getElementById('card').dataset.stale")
    return shown(page)


def screen(page, review, stage: str = "title-abstract"):
    page.goto(f"/reviews/{review.pk}/screen/{stage}/")
    expect(page.locator("#card")).to_be_visible()


def report(label: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[round(0.95 * (len(ms) - 1))]
    print(
        f"{label}, {len(ms)} keypresses: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"
    )


def test_two_reviewers_screen_from_the_keyboard_and_the_lead_resolves(
    open_page, cast, screenshot_dir
):
    review = cast.review
    demo_imports(review, cast.lead)
    review.include_terms, review.exclude_terms = INCLUDE_TERMS, EXCLUDE_TERMS
    review.save()
    bob, carol = open_page("bob"), open_page("carol")
    screen(bob, review)
    screen(carol, review)
    r1 = shown(bob)
    assert shown(carol) == r1
    expect(bob.locator("#card mark.hl-include").first).to_be_visible()
    bob.screenshot(path=screenshot_dir / "screening.png")
    bob.screenshot(path=screenshot_dir / "screening-full.png", full_page=True)

    # Both screen the same records at the same time, from the keyboard only.
    r2 = press(bob, "i")
    assert press(carol, "i") == r2
    bob.keyboard.press("2")
    expect(bob.locator("#id_reason")).to_have_value(str(review.exclusion_reasons.all()[1].pk))
    r3 = press(bob, "e")
    assert press(carol, "e") == r3
    r4 = press(bob, "i")
    r5 = press(bob, "s")
    assert r5 != r4
    assert press(bob, "u") == r3  # undo takes back the include on r3 and shows it again
    expect(bob.locator("#my-decision")).to_have_count(0)
    assert press(bob, "i") == r5  # r4 was skipped
    press(bob, "m")
    press(carol, "e")  # carol excludes r3, which bob included: the one conflict
    expect(carol.locator("#done-count")).to_have_text("3")

    assert Decision.objects.filter(reviewer=cast.reviewer1).count() == 4
    assert (
        Decision.objects.get(reviewer=cast.reviewer1, record_id=r2).reason.label
        == "Wrong intervention"
    )
    conflict = Conflict.objects.get()
    assert str(conflict.record_id) == r3
    assert Resolution.objects.filter(stage=Stage.TITLE_ABSTRACT).count() == 2

    lead = open_page("alice")
    lead.goto(f"/reviews/{review.pk}/conflicts/")
    card = lead.locator(f"#conflict-{r3}")
    expect(card.locator(".decision")).to_have_count(2)
    expect(lead.get_by_label("Reviewer pair")).to_have_value(
        ""
    )  # no filter until the lead picks one
    lead.screenshot(path=screenshot_dir / "conflicts.png", full_page=True)
    card.get_by_label("Final verdict").select_option("include")
    card.get_by_role("button", name="Resolve").click()
    expect(lead.get_by_text("Resolved: include.")).to_be_visible()
    expect(lead.locator(".conflict")).to_have_count(0)
    assert Resolution.objects.get(record_id=r3).source == Resolution.Source.LEAD

    # Full text: r1 and r3 passed; bob attaches a PDF and reads it beside the form.
    screen(bob, review, "full-text")
    assert shown(bob) == r1
    bob.get_by_label("PDF").set_input_files(
        files=[{"name": "trial.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}]
    )
    bob.locator(".full-text").get_by_role("button", name="Save").click()
    expect(bob.get_by_text("Full text saved.")).to_be_visible()
    expect(bob.locator("iframe[title='Full text']")).to_be_visible()
    bob.wait_for_timeout(2000)  # Chromium's PDF viewer draws out of the page's reach: give it time
    bob.screenshot(path=screenshot_dir / "full-text.png")

    bob.keyboard.press("e")  # a reason is required at full text: the list asks for one
    expect(bob.locator("#id_reason.is-invalid")).to_be_focused()
    bob.keyboard.press("Escape")
    bob.keyboard.press("1")
    assert press(bob, "e") == r3
    press(bob, "i")
    screen(carol, review, "full-text")
    carol.keyboard.press("1")
    press(carol, "e")
    press(carol, "i")
    expect(carol.locator("#all-done")).to_be_visible()

    lead.goto(f"/reviews/{review.pk}/")
    prisma = lead.locator("#prisma-screening")
    expect(prisma.get_by_role("row", name="Records screened")).to_contain_text("3")
    expect(prisma.get_by_role("row", name="Excluded: Wrong population")).to_contain_text("1")
    expect(prisma.get_by_role("row", name="Studies included")).to_contain_text("1")
    expect(lead.locator("#agreement")).to_contain_text("bob & carol")
    lead.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)


def test_the_next_abstract_paints_soon_after_a_keypress(open_page, cast, screenshot_dir):
    review = cast.review
    review.include_terms, review.exclude_terms = INCLUDE_TERMS, EXCLUDE_TERMS
    review.save()
    records = RecordFactory.create_batch(
        55, review=review, abstract=ABSTRACT, keywords=["ketamine", "pain"]
    )
    bob = open_page("bob")
    server = []
    bob.on(
        "requestfinished",
        lambda request: server.append(request.timing) if "/decide/" in request.url else None,
    )
    screen(bob, review)
    bob.screenshot(path=screenshot_dir / "long-abstract.png")
    timings = []
    for n in range(50):
        before = bob.evaluate(ARM_PAINT_PROBE)
        bob.keyboard.press("ie"[n % 2])
        painted = bob.evaluate("window.__painted")
        assert painted["record"] not in (None, before), f"keypress {n} did not swap in a new card"
        timings.append(painted)
    assert Decision.objects.filter(reviewer=cast.reviewer1).count() == 50
    assert shown(bob) == str(records[50].pk)

    report("keypress to next abstract painted (from page.evaluate)", [t["ms"] for t in timings])
    report("keypress to next abstract painted (from keydown)", [t["fromKeydown"] for t in timings])
    report(
        "of which the server, request sent to first byte",
        [t["responseStart"] - t["requestStart"] for t in server],
    )
    assert {Verdict.INCLUDE, Verdict.EXCLUDE} == set(
        Decision.objects.values_list("verdict", flat=True)
    )
