"""``manage.py prisma REVIEW --out FILE``: the diagram as PNG, SVG or PDF, and clear refusals."""

import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from reviews import services
from reviews.demo import DEMO_DATA
from reviews.models import Source


@pytest.fixture
def review(cast):
    batch = services.import_batch_create(
        review=cast.review,
        user=cast.lead,
        upload=SimpleUploadedFile("medline.nbib", (DEMO_DATA / "demo_medline.nbib").read_bytes()),
        source=Source.MEDLINE,
    )
    services.import_batch_run(batch_id=batch.pk)
    return cast.review


def run(review_id, out, *extra) -> str:
    stdout = StringIO()
    call_command("prisma", str(review_id), "--out", str(out), *extra, stdout=stdout)
    return stdout.getvalue()


def test_it_writes_a_png(review, tmp_path):
    out = tmp_path / "prisma.png"
    printed = run(review.pk, out, "--dpi", "72")
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert printed.count("\n") == 1
    assert f"Wrote {out} (PNG, " in printed
    # the demo's MEDLINE export holds 48 records
    assert "“Ketamine for chronic pain”, 48 records identified, 0 studies included." in printed


def test_a_higher_dpi_gives_a_bigger_png(review, tmp_path):
    run(review.pk, tmp_path / "low.png", "--dpi", "50")
    run(review.pk, tmp_path / "high.png", "--dpi", "200")
    assert (tmp_path / "high.png").stat().st_size > (tmp_path / "low.png").stat().st_size


def test_it_writes_an_svg(review, tmp_path):
    out = tmp_path / "prisma.svg"
    assert "(SVG, " in run(review.pk, out)
    root = ET.fromstring(out.read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"MEDLINE (n = 48)" in out.read_bytes()


def test_it_writes_a_pdf_whatever_the_suffix_case(review, tmp_path):
    out = tmp_path / "prisma.PDF"
    assert "(PDF, " in run(review.pk, out)
    assert out.read_bytes().startswith(b"%PDF-")


def test_an_unknown_suffix_is_named(review, tmp_path):
    with pytest.raises(CommandError, match=r"“\.jpg” in .*prisma\.jpg: use \.png, \.svg or \.pdf"):
        run(review.pk, tmp_path / "prisma.jpg")
    with pytest.raises(CommandError, match="“no suffix”"):
        run(review.pk, tmp_path / "prisma")
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_review_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="No review with id 999."):
        run(999, tmp_path / "prisma.png")


def test_a_review_without_records_is_refused(cast, tmp_path):
    with pytest.raises(CommandError, match="has no records from a database or register yet"):
        run(cast.review.pk, tmp_path / "prisma.png")
