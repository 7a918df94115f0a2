import pytest
from django.core.management import CommandError, call_command

from reviews.demo import DEMO_DATA
from reviews.models import ImportBatch, Record


def test_it_imports_from_the_shell(cast, capsys):
    call_command(
        "import_records",
        str(cast.review.pk),
        str(DEMO_DATA / "demo_medline.nbib"),
        "--database",
        "medline",
        "--search-date",
        "2026-10-01",
    )
    call_command(
        "import_records",
        str(cast.review.pk),
        str(DEMO_DATA / "demo_embase.ris"),
        "--database",
        "embase",
    )
    out = capsys.readouterr().out
    # MEDLINE and Embase hold 48 and 49 copies of 57 of the demo's 58 papers (paper 14 is
    # only in CENTRAL; reviews/demo_data/README.md): 97 - 57 = 40 duplicates
    assert "demo_medline.nbib: 48 records (pubmed" in out
    assert (
        f"Review {cast.review.pk}: 97 records identified, 40 duplicates removed, 57 unique" in out
    )
    assert ImportBatch.objects.get(file_name="demo_medline.nbib").created_by == cast.lead


def test_it_names_the_file_and_line_of_a_malformed_export(cast, tmp_path):
    broken = tmp_path / "broken.ris"
    broken.write_text("TY  - JOUR\nTI  - An unfinished record\nAU  - Doe, J\n")
    with pytest.raises(CommandError, match=r"broken.ris, line \d+"):
        call_command(
            "import_records",
            str(cast.review.pk),
            str(broken),
            "--database",
            "embase",
            "--format",
            "ris",
        )
    assert not Record.objects.exists()
    assert not ImportBatch.objects.exists()  # refused at the preview: nothing saved


def test_it_names_an_unknown_review(db):
    with pytest.raises(CommandError, match="No review with id 999"):
        call_command(
            "import_records", "999", str(DEMO_DATA / "demo_medline.nbib"), "--database", "medline"
        )
