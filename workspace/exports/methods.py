"""``methods.md``: a generated methods and results paragraph, and the PRISMA 2020 checklist
with the items the tool can fill marked and filled.

Every count is :func:`synthesis.prisma.prisma_flow`'s; agreement comes from
the decisions the export holds (all of them in the lead's, the resolved
records' in a reviewer's, so a reviewer's bundle never tells how others voted
on records still open).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from extraction.models import RobAssessment
from extraction.selectors import review_tools
from reviews.models import ImportBatch
from screening.agreement import cohen_kappa
from screening.models import Stage
from screening.selectors import agreement_by_pair
from screening.stopping_checks import methods_paragraph
from synthesis import reporting
from synthesis.models import Analysis
from synthesis.plots.prisma import PrismaFlow

from .scope import Scope, review_decisions

STAGE_WORDS = {Stage.TITLE_ABSTRACT: "title and abstract", Stage.FULL_TEXT: "full text"}
TAU2_NAMES = {
    "REML": "restricted maximum likelihood (REML)",
    "DL": "DerSimonian-Laird",
    "PM": "Paule-Mandel",
}
POOLING = {
    "inverse_variance": "inverse variance",
    "mantel_haenszel": "Mantel-Haenszel",
    "peto": "Peto",
}


def _date(value) -> str:
    return value.strftime("%-d %B %Y") if value else "date not recorded"


def searches_text(scope: Scope) -> str:
    batches = ImportBatch.objects.filter(review=scope.review, status=ImportBatch.Status.DONE)
    parts = []
    for batch in batches.order_by("created", "pk"):
        via = f" via {batch.interface}" if batch.interface else ""
        parts.append(f"{batch.source_label}{via} (searched {_date(batch.search_date)})")
    if not parts:
        return "No searches have been imported yet."
    return f"We searched {'; '.join(dict.fromkeys(parts))}."


def counts_text(flow: PrismaFlow) -> str:
    identified = {**flow.identified_by_source, **(flow.other_identified or {})}
    total = sum(identified.values())
    sources = ", ".join(f"{name} {n:,}" for name, n in identified.items())
    reasons = "; ".join(f"{reason}, {n}" for reason, n in flow.reports_excluded.items())
    text = (
        f"The searches identified {total:,} records ({sources}). After {flow.duplicates_removed:,} "
        f"duplicates were removed, {flow.records_screened:,} records were screened by title and "
        f"abstract and {flow.records_excluded:,} excluded. Of {flow.reports_sought:,} reports "
        f"sought, {flow.reports_not_retrieved:,} could not be retrieved; "
        f"{flow.reports_assessed:,} were assessed in full text and "
        f"{sum(flow.reports_excluded.values()):,} excluded"
        + (f" ({reasons})" if reasons else "")
        + f". {flow.studies_included:,} studies ({flow.reports_included:,} reports) were included."
    )
    if flow.records_awaiting or flow.reports_awaiting:
        text += (
            f" Screening is not finished: {flow.records_awaiting:,} records await title and "
            f"abstract screening and {flow.reports_awaiting:,} reports await full-text assessment."
        )
    return text


def agreement(scope: Scope, stage: str) -> list[tuple[str, str, object]]:
    """(first, second, Agreement) per reviewer pair, from the decisions the export holds."""
    if scope.full:
        return [(p.first, p.second, p.agreement) for p in agreement_by_pair(scope.review, stage)]
    verdicts: dict[int, dict[str, str]] = defaultdict(dict)
    rows = review_decisions(scope).filter(stage=stage)
    for record, who, verdict in rows.values_list("record_id", "reviewer__username", "verdict"):
        verdicts[record][who] = verdict
    pairs: dict[tuple[str, str], tuple[list, list]] = defaultdict(lambda: ([], []))
    for by_reviewer in verdicts.values():
        for a, b in combinations(sorted(by_reviewer), 2):
            pairs[a, b][0].append(by_reviewer[a])
            pairs[a, b][1].append(by_reviewer[b])
    return [(a, b, cohen_kappa(x, y)) for (a, b), (x, y) in sorted(pairs.items())]


def _kappa(first: str, second: str, a) -> str:
    if a.kappa is None:
        return f"{first} and {second} agreed on {a.percent:.1f}% of {a.n} records (κ not defined)"
    return (
        f"{first} and {second} agreed on {a.percent:.1f}% of {a.n} records "
        f"(Cohen's κ {a.kappa:.2f}, 95% CI {a.ci_lower:.2f} to {a.ci_upper:.2f})"
    )


def screening_text(scope: Scope) -> str:
    review = scope.review
    n = review.screeners_per_record
    who = "One reviewer" if n == 1 else f"{['', '', 'Two', 'Three'][n]} reviewers"
    blinded = ", blinded to each other's decisions," if review.blinding and n > 1 else ""
    text = (
        f"{who} screened each record independently{blinded} first by title and abstract and "
        "then in full text, giving a reason for every full-text exclusion; disagreements were "
        "settled by the lead author."
    )
    for stage in Stage:
        pairs = agreement(scope, stage)
        if pairs:
            where = "" if scope.full else " (on the records resolved so far)"
            text += (
                f" At {STAGE_WORDS[stage]}{where}: " + "; ".join(_kappa(*p) for p in pairs) + "."
            )
    return text


def extraction_text(scope: Scope) -> str:
    review = scope.review
    if review.dual_extraction:
        extraction = "Two reviewers extracted data from each study independently; the lead settled the differences."
    else:
        extraction = (
            "Data were extracted by one reviewer into a shared form, with every change recorded."
        )
    tools = review_tools(review)
    names = ", ".join(f"{tool.name} ({tool.reference})" for tool in tools)
    dual = RobAssessment.objects.filter(study__review=review, consensus=True).exists()
    rob = f" Risk of bias was assessed with {names}"
    rob += ", by two assessors independently with a consensus." if dual else "."
    return extraction + rob


def analysis_text(analysis: Analysis) -> str:
    s = analysis.settings
    parts = [reporting.measure_name(s["measure"]), f"{POOLING[s['pooling']]} pooling"]
    if s["model"] == "random":
        parts.append(
            f"random effects with the {TAU2_NAMES[s['tau2_estimator']]} estimator of τ² and its Q-profile confidence interval"
        )
        parts.append(
            "Hartung-Knapp-Sidik-Jonkman confidence interval"
            if s["hksj"]
            else "Wald confidence interval"
        )
        if s.get("prediction_interval"):
            parts.append("a prediction interval")
    else:
        parts.append("a fixed-effect model")
    parts.append(f"{reporting.percent(s['ci_level'])}% confidence level")
    parts.append("I² from Q" if s.get("i2") == "Q" else "I² from τ²")
    return f"{analysis.name}: " + ", ".join(parts) + "."


def stopping_text(scope: Scope) -> str:
    """Prioritised screening and the stopping rule, as screening words them (empty when the
    review used neither)."""
    return methods_paragraph(scope.review)


def methods_markdown(scope: Scope, flow: PrismaFlow, analyses: list[Analysis], version: str) -> str:
    review = scope.review
    done = [a for a in analyses if a.status == Analysis.Status.DONE and a.results]
    screening = screening_text(scope)  # agreement reads every decision: once, for both uses
    lines = [
        f"# Methods and results: {review.title}",
        "",
        "Generated by Prismatic from the review as it stood at export; check and edit before use.",
        "",
        "## Methods",
        "",
        searches_text(scope),
        "",
        screening,
        "",
        extraction_text(scope),
        "",
    ]
    if stopping := stopping_text(scope):
        lines += [stopping, ""]
    if done:
        lines += [
            "Meta-analyses were run in Prismatic "
            f"{version}, whose engine reproduces R's metafor 3.8-1 on 64 reference analyses; "
            "`reproduce/` recomputes every pooled estimate in R (metafor) and in Python. "
            "Settings per analysis:",
            "",
        ]
        lines += [f"- {analysis_text(a)}" for a in done]
        lines.append("")
    lines += ["## Results", "", counts_text(flow), ""]
    lines += [f"- {reporting.result_line(a)}" for a in done]
    lines += ["", *checklist_markdown(scope, flow, done, screening)]
    return "\n".join(lines) + "\n"


# PRISMA 2020 checklist: (item, section and topic, what it asks, in short). Paraphrased
# from Page MJ et al. BMJ 2021;372:n71.
CHECKLIST = (
    ("1", "Title", "Identify the report as a systematic review."),
    ("2", "Abstract", "A structured abstract (PRISMA 2020 for Abstracts)."),
    ("3", "Introduction: rationale", "The rationale in the context of existing knowledge."),
    ("4", "Introduction: objectives", "The objectives or questions the review addresses."),
    ("5", "Methods: eligibility criteria", "Inclusion and exclusion criteria and how studies were grouped."),
    ("6", "Methods: information sources", "Every database, register and other source, and when each was last searched."),
    ("7", "Methods: search strategy", "The full search strategies, with any filters and limits."),
    ("8", "Methods: selection process", "How many reviewers screened each record, whether independently, and any automation."),
    ("9", "Methods: data collection process", "How data were collected, by how many reviewers, independently or not."),
    ("10a", "Methods: data items (outcomes)", "The outcomes for which data were sought."),
    ("10b", "Methods: data items (other variables)", "Every other variable for which data were sought."),
    ("11", "Methods: study risk of bias assessment", "The tools used, how many assessed each study, independently or not."),
    ("12", "Methods: effect measures", "The effect measure(s) for each outcome."),
    ("13a", "Methods: synthesis methods (eligibility)", "How studies were chosen for each synthesis."),
    ("13b", "Methods: synthesis methods (preparation)", "Preparation of data, such as missing statistics or conversions."),
    ("13c", "Methods: synthesis methods (display)", "How results of studies and syntheses were tabulated or displayed."),
    ("13d", "Methods: synthesis methods (models)", "The methods, models, heterogeneity measures and software used."),
    ("13e", "Methods: synthesis methods (heterogeneity)", "Methods to explore causes of heterogeneity (subgroups, meta-regression)."),
    ("13f", "Methods: synthesis methods (sensitivity)", "Sensitivity analyses."),
    ("14", "Methods: reporting bias assessment", "Methods to assess bias due to missing results."),
    ("15", "Methods: certainty assessment", "Methods to assess certainty in the evidence (e.g. GRADE)."),
    ("16a", "Results: study selection", "The search and selection, ideally with a flow diagram."),
    ("16b", "Results: study selection (exclusions)", "Studies that seemed eligible but were excluded, and why."),
    ("17", "Results: study characteristics", "Each included study with its characteristics."),
    ("18", "Results: risk of bias in studies", "Risk-of-bias assessments for each included study."),
    ("19", "Results: results of individual studies", "For every outcome, each study's summary statistics and effect estimate."),
    ("20a", "Results: results of syntheses (characteristics)", "The characteristics and risk of bias of the contributing studies."),
    ("20b", "Results: results of syntheses (statistics)", "Every synthesis: estimate, precision and heterogeneity."),
    ("20c", "Results: results of syntheses (heterogeneity)", "Investigations of possible causes of heterogeneity."),
    ("20d", "Results: results of syntheses (sensitivity)", "Sensitivity analyses."),
    ("21", "Results: reporting biases", "Assessments of risk of bias due to missing results."),
    ("22", "Results: certainty of evidence", "Certainty (or confidence) in the body of evidence."),
    ("23a", "Discussion: interpretation", "A general interpretation of the results."),
    ("23b", "Discussion: limitations of the evidence", "Limitations of the evidence included."),
    ("23c", "Discussion: limitations of the review", "Limitations of the review processes."),
    ("23d", "Discussion: implications", "Implications for practice, policy and research."),
    ("24a", "Other: registration", "Registration name and number, or that it was not registered."),
    ("24b", "Other: protocol", "Where the protocol can be accessed."),
    ("24c", "Other: amendments", "Amendments to the registration or protocol."),
    ("25", "Other: support", "Sources of support and the role of funders."),
    ("26", "Other: competing interests", "Competing interests of the authors."),
    ("27", "Other: availability of data, code and materials", "Which data, code and materials are public, and where."),
)  # fmt: skip


def _filled(scope: Scope, flow: PrismaFlow, done: list[Analysis], screening: str) -> dict[str, str]:
    """What the tool fills, by checklist item, and where in the bundle it is (``screening``:
    :func:`screening_text`)."""
    review = scope.review
    question = "; ".join(
        f"{label}: {value}"
        for label, value in (
            ("Population", review.population), ("Intervention", review.intervention),
            ("Comparator", review.comparator), ("Outcomes", review.outcomes),
            ("Study designs", review.study_designs),
        )
        if value
    )  # fmt: skip
    filled = {
        "4": question,
        "5": f"{question}. Exclusion reasons: data/resolutions.csv, prisma/PRISMA2020.csv.",
        "6": searches_text(scope) + " (data/searches.csv)",
        "7": "Each search's strategy as entered: data/searches.csv, column strategy.",
        "8": screening,
        "9": extraction_text(scope).split(" Risk of bias")[0],
        "10a": "data/outcomes.csv",
        "10b": "data/extraction.csv (every question of the extraction form and its answers)",
        "11": extraction_text(scope).split(". ", 1)[-1],
        "16a": counts_text(flow) + " Diagram: figures/prisma-2020-flow-diagram.*",
        "16b": "references/excluded_full_texts.ris and data/resolutions.csv (reason for each).",
        "17": "data/studies.csv, data/extraction.csv",
        "18": "data/risk_of_bias.csv, figures/rob-*",
        "24a": f"Protocol registration: {review.protocol_id}" if review.protocol_id else "",
        "27": "This bundle: data, analysis settings and results, and the reproduction scripts in reproduce/.",
    }
    if done:
        filled |= {
            "12": "; ".join(
                f"{a.name}: {reporting.measure_name(a.settings['measure'])}" for a in done
            ),
            "13b": "data/outcome_derivations.csv: every value derived from another statistic, with its formula.",
            "13c": "Forest plots (figures/analysis-*-forest.*) and analysis/*/studies.csv.",
            "13d": " ".join(analysis_text(a) for a in done),
            "13e": "Subgroups and the test for subgroup differences where an outcome has a subgroup variable (analysis/pooled.csv).",
            "13f": "Leave-one-out and the robustness panel (analysis/*/leave_one_out.csv, robustness.csv).",
            "14": "Egger's regression test, Begg's rank correlation and trim-and-fill (analysis/*/small_study.csv), funnel plots.",
            "19": "analysis/*/studies.csv and the forest plots.",
            "20b": " ".join(reporting.result_line(a) + "." for a in done),
            "20c": "analysis/pooled.csv (scope subgroup).",
            "20d": "analysis/*/robustness.csv, figures/analysis-*-robustness.*",
            "21": "analysis/*/small_study.csv, figures/analysis-*-funnel.*",
        }
    return {item: text for item, text in filled.items() if text}


def checklist_markdown(
    scope: Scope, flow: PrismaFlow, done: list[Analysis], screening: str
) -> list[str]:
    filled = _filled(scope, flow, done, screening)
    lines = [
        "## PRISMA 2020 checklist",
        "",
        f"Items marked [x] are filled from the review ({len(filled)} of {len(CHECKLIST)}); "
        "the others are for the authors to write.",
        "",
        "| Item | Section and topic | Filled | Where or what |",
        "|---|---|---|---|",
    ]
    for item, topic, asks in CHECKLIST:
        text = filled.get(item, asks)
        mark = "[x]" if item in filled else "[ ]"
        lines.append(f"| {item} | {topic} | {mark} | {text.replace('|', '/')} |")
    return lines
