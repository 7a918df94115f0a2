"""The registry of tools, and the promise that the package needs no Django."""

import subprocess
import sys
from pathlib import Path

import pytest

from extraction.rob import TOOLS, get_tool, suggest_domain, suggest_overall

REPO = Path(__file__).resolve().parents[3]


def test_it_knows_three_tools():
    assert list(TOOLS) == ["rob2", "rob1", "robins_i"]
    assert get_tool("rob2") is TOOLS["rob2"]
    assert get_tool(TOOLS["rob1"]) is TOOLS["rob1"]


@pytest.mark.parametrize(
    "call",
    [
        lambda: get_tool("rob3"),
        lambda: suggest_domain("rob2", "D6", {}),
        lambda: suggest_overall("rob2", {"D9": "low"}),
        lambda: suggest_overall("rob2", {"D1": "moderate"}),
        lambda: suggest_overall("rob1", {}, some_concerns_limit=2),
        lambda: suggest_overall("rob2", {}, key_domains=["D1"]),
        lambda: suggest_overall("robins_i", {}, key_domains=["D8"]),
    ],
)
def test_it_rejects_unknown_tools_domains_and_judgements(call):
    with pytest.raises(ValueError):
        call()


def test_it_finds_judgements_by_key_or_label():
    tool = TOOLS["rob2"]
    assert tool.judgement("Some concerns").key == "some_concerns"
    assert tool.judgement("HIGH").key == "high"


def test_it_imports_without_django():
    code = (
        "import sys, extraction.rob; "
        "sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
