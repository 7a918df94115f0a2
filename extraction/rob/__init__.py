"""Risk-of-bias tools (RoB 2, Cochrane RoB 1, ROBINS-I): their domains,
signalling questions, judgements and the algorithms that suggest judgements.

Pure Python, no Django: the models, forms and pages build on this API.

>>> suggest_domain("rob2", "D1", {"1.1": "Y", "1.2": "PY", "1.3": "N"})
'low'
>>> suggest_overall("rob2", {"D1": "low", "D2": "some_concerns", "D3": "low",
...                          "D4": "low", "D5": "low"})
'some_concerns'
>>> [d.key for d in TOOLS["robins_i"].domains]
['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7']

One module per tool (:mod:`~extraction.rob.rob2`, :mod:`~extraction.rob.rob1`,
:mod:`~extraction.rob.robins_i`); the shared dataclasses are in
:mod:`~extraction.rob.tool` and the lookups in :mod:`~extraction.rob.registry`.
"""

from extraction.rob.registry import (
    TOOLS,
    applicable_questions,
    get_tool,
    suggest_domain,
    suggest_overall,
)
from extraction.rob.tool import (
    ANSWER_LABELS,
    ANSWERS,
    AskedIf,
    Domain,
    Judgement,
    Question,
    Tool,
)

__all__ = [
    "ANSWERS",
    "ANSWER_LABELS",
    "TOOLS",
    "AskedIf",
    "Domain",
    "Judgement",
    "Question",
    "Tool",
    "applicable_questions",
    "get_tool",
    "suggest_domain",
    "suggest_overall",
]
