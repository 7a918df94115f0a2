"""A small labelled screening data set we wrote: ketamine for chronic pain among other topics.

Twelve records a ketamine review would include (randomised trials of
ketamine infusions for chronic pain) and forty-eight it would not, from
other fields of medicine and from outside it. Written for these tests.
"""

import csv
from pathlib import Path

RELEVANT_PAIN = [
    "chronic low back pain",
    "complex regional pain syndrome",
    "fibromyalgia",
    "neuropathic pain after spinal cord injury",
    "chronic postsurgical pain",
    "phantom limb pain",
    "diabetic neuropathic pain",
    "chronic cancer pain",
    "trigeminal neuralgia",
    "chronic widespread pain",
    "postherpetic neuralgia",
    "chronic pelvic pain",
]
OTHER_TOPICS = [
    ("Statins after myocardial infarction", "lipid lowering and cardiovascular events in adults"),
    ("Exercise training in heart failure", "walking distance and hospital admissions"),
    ("Inhaled corticosteroids for asthma in children", "exacerbations and growth"),
    ("Early mobilisation after hip fracture surgery", "functional recovery in older adults"),
    ("Vitamin D supplements in pregnancy", "birth weight and preterm birth"),
    ("Antibiotics for acute otitis media", "ear pain resolution in infants"),
    ("School based physical activity programmes", "body mass index in adolescents"),
    ("Metformin in type 2 diabetes", "glycated haemoglobin and weight"),
    ("Hand hygiene campaigns in hospitals", "healthcare associated infection rates"),
    ("Cognitive behavioural therapy for insomnia", "sleep onset latency in adults"),
    ("Smoking cessation text messages", "abstinence at six months"),
    ("Compression stockings on long flights", "deep vein thrombosis in travellers"),
    ("Software defect prediction with code metrics", "precision of classifiers across projects"),
    ("Agile methods in distributed teams", "communication and delivery speed"),
    ("Crop rotation and soil nitrogen", "wheat yields over ten seasons"),
    ("Urban heat islands and tree cover", "surface temperature in summer"),
]
DESIGNS = ["a cohort study", "a cross-sectional survey", "a case series"]


def records() -> list[dict]:
    """Sixty records, relevant ones spread through the list (not all at the start)."""
    relevant = [_relevant(i, pain) for i, pain in enumerate(RELEVANT_PAIN)]
    other = [
        _other(i, title, topic, design)
        for i, (design, (title, topic)) in enumerate(
            (design, topic) for design in DESIGNS for topic in OTHER_TOPICS
        )
    ]
    mixed = []
    for i, record in enumerate(other):
        mixed.append(record)
        if i % 4 == 3 and relevant:
            mixed.append(relevant.pop(0))
    return mixed + relevant


def _relevant(i: int, pain: str) -> dict:
    dose = 0.1 + 0.05 * i
    return {
        "title": f"Intravenous ketamine infusion for {pain}: a randomised placebo-controlled trial",
        "abstract": (
            f"Patients with {pain} were randomised to a ketamine infusion ({dose:.2f} mg/kg/h) "
            "or saline placebo. Pain intensity on a numeric rating scale fell more with "
            "ketamine; dissociative side effects, nausea and sedation were recorded."
        ),
        "label_included": 1,
    }


def _other(i: int, title: str, topic: str, design: str) -> dict:
    return {
        "title": f"{title}: {design}",
        "abstract": f"We studied {topic} in {design} of {100 + 7 * i} participants.",
        "label_included": 0,
    }


def write_csv(path: Path, rows: list[dict] | None = None) -> Path:
    rows = records() if rows is None else rows
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(
            file, fieldnames=["record_id", "title", "abstract", "label_included"]
        )
        writer.writeheader()
        for i, row in enumerate(rows, start=1):
            writer.writerow({"record_id": i, **row})
    return path
