"""The shared field normalisation."""

from __future__ import annotations

import pytest

from reviews.importers import normalise as norm


@pytest.mark.parametrize(
    "text,doi",
    [
        ("10.1002/CAM4.747", "10.1002/cam4.747"),
        ("https://doi.org/10.1002/cam4.747", "10.1002/cam4.747"),
        ("http://dx.doi.org/10.1186/s12919-018-0099-8", "10.1186/s12919-018-0099-8"),
        ("doi:10.1016/j.x.2017.04.075.", "10.1016/j.x.2017.04.075"),
        ("10.1016/j.scitotenv.2017.04.075 [doi]", "10.1016/j.scitotenv.2017.04.075"),
        ("Sci Total Environ. 2017;598:188. doi: 10.1016/j.x.1.", "10.1016/j.x.1"),
        ("(10.1000/xyz123)", "10.1000/xyz123"),
        (
            "10.1892/0891-6640(2006)20[894:HDAACO]2.0.CO;2",
            "10.1892/0891-6640(2006)20[894:hdaaco]2.0.co;2",
        ),
        ("10.1038%2Fs41467-024-46843-2", "10.1038/s41467-024-46843-2"),
        ("Article", ""),
        ("", ""),
    ],
)
def test_doi(text, doi):
    assert norm.doi(text) == doi


def test_doi_from_url_only_trusts_doi_links():
    assert norm.doi_from_url("https://x.org/central/doi/10.1002/central/CN-1/full") == ""
    assert norm.doi_from_url("http://sfx.example?id=doi:10.4103%2F2303-9027.1&x=1") == (
        "10.4103/2303-9027.1"
    )


@pytest.mark.parametrize(
    "text,pmid",
    [("29657938", "29657938"), ("PUBMED 21314913", "21314913"), ("PMID: 123", "123"),
     ("0", ""), ("1234567890", ""), ("²³", ""), ("EMBASE 643589775", "")],
)  # fmt: skip
def test_pmid(text, pmid):
    assert norm.pmid(text) == pmid


@pytest.mark.parametrize(
    "url,pmid",
    [
        (
            "http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=medp&NEWS=N&AN=39012781",
            "39012781",
        ),
        ("http://ovidsp.ovid.com/ovidweb.cgi?T=JS&D=psyc16&NEWS=N&AN=2019-65183-001", ""),
        ("https://pubmed.ncbi.nlm.nih.gov/31355546/", "31355546"),
    ],
)
def test_pmid_from_url(url, pmid):
    assert norm.pmid_from_url(url) == pmid


@pytest.mark.parametrize(
    "texts,year",
    [(("2024///",), 2024), (("2019//",), 2019), (("", "1974 Jan"), 1974),
     (("Ecohydrology. 8(6):1048-1064, September 2015.",), 2015), (("no year",), None),
     (("12345",), None)],
)  # fmt: skip
def test_year(texts, year):
    assert norm.year(*texts) == year


def test_ids_and_pages():
    assert norm.embase_id("L373791783") == "373791783"
    assert norm.embase_id("EMBASE 643589775") == "643589775"
    assert norm.central_id("https://x/CN-00778158/full") == "CN-00778158"
    assert norm.pages("134--137") == "134-137"
    assert norm.pages("1279\u20101297") == "1279-1297"
    assert norm.pages("152", "160") == "152-160"


def test_collapse_and_paragraph():
    assert norm.collapse("  a \n  b\tc  ") == "a b c"
    assert norm.collapse("a\u00a0b") == "a b"
    assert norm.paragraph("line one\n      line two") == "line one line two"


def test_citation_parts():
    assert norm.citation_parts("Endoscopic Ultrasound (2014) 3:3 (152-160). Date") == (
        "3",
        "3",
        "152-160",
    )
    assert norm.citation_parts("Int J Derm. 57(1):94-103, 2018 Jan.") == ("57", "1", "94-103")
    assert norm.journal_from_citation("Cancer (2004) 102:4 (253-258).") == "Cancer"
    assert norm.journal_from_citation("BMC Proceedings. Conference: x") == "BMC Proceedings"
