"""The demo review's filled extraction form (its own ketamine form, ``extraction.demo.form``).

Illustrative only: every answer is invented to show the pages and matches no
real trial. The number randomised of each study is its two arms in the outcome
data (``extraction.demo.outcomes``), 1,080 in all.
"""

from reviews.models import Review

from ..models import Study
from ..services import entries as services
from ..services.form_builder import extraction_form_current

PAIN, SLEEP, HARMS = "Pain intensity", "Sleep quality", "Adverse events"

# Study: design, country, setting, recruitment starts.
METHODS = {
    "Alvarez 2023": ("Parallel-group RCT", "Spain", "Gynaecology pain clinic", "2020-09-01"),
    "Berg 2024": ("Parallel-group RCT", "Norway", "Geriatric outpatient clinic", "2021-03-01"),
    "Fernandes 2011": ("Parallel-group RCT", "Portugal", "University hospital pain clinic", "2008-05-01"),
    "Halvorsen 2020": ("Parallel-group RCT", "Norway", "Neurology outpatient clinic", "2017-01-01"),
    "Harrow 2012": ("Parallel-group RCT", "United Kingdom", "Outpatient pain clinic", "2009-04-01"),
    "Ibrahim 2022": ("Parallel-group RCT", "Egypt", "Rehabilitation hospital", "2019-06-01"),
    "Kaur 2018": ("Parallel-group RCT", "India", "Gastroenterology inpatients", "2016-02-01"),
    "Lindqvist 2019": ("Parallel-group RCT", "Sweden", "Four outpatient pain clinics", "2015-09-01"),
    "Marchetti 2016": ("Parallel-group RCT", "Italy", "Rheumatology outpatients", "2013-10-01"),
    "Moreau 2015": ("Cross-over RCT", "France", "University hospital pain clinic", "2012-01-01"),
    "Okonkwo 2010": ("Parallel-group RCT", "Nigeria", "Diabetes clinic", "2007-03-01"),
    "Petrov 2017": ("Parallel-group RCT", "Bulgaria", "Sleep and pain clinic", "2014-05-01"),
    "Quinn 2016": ("Parallel-group RCT", "Ireland", "Spinal cord injury unit", "2013-02-01"),
    "Sato 2014": ("Parallel-group RCT", "Japan", "University hospital pain clinic", "2010-06-01"),
    "Tanaka 2021": ("Parallel-group RCT", "Japan", "Vascular surgery outpatients", "2018-04-01"),
    "Virtanen 2013": ("Parallel-group RCT", "Finland", "Outpatient pain clinic", "2010-08-01"),
}  # fmt: skip
# Study: number randomised, mean age, women, who was included.
PARTICIPANTS = {
    "Alvarez 2023": (30, "34.2", 30, "Women with chronic pelvic pain for more than 6 months."),
    "Berg 2024": (40, "74.1", 24, "Adults aged 65 or over with chronic musculoskeletal pain."),
    "Fernandes 2011": (60, "68.3", 33, "Postherpetic neuralgia for at least 6 months."),
    "Halvorsen 2020": (100, "56.8", 47, "Peripheral neuropathic pain for more than 6 months."),
    "Harrow 2012": (80, "48.9", 44, "Chronic low back pain for more than 6 months."),
    "Ibrahim 2022": (50, "45.3", 12, "Phantom limb pain for more than 3 months after an amputation."),
    "Kaur 2018": (60, "41.7", 19, "Painful chronic pancreatitis for more than 3 months."),
    "Lindqvist 2019": (140, "58.4", 81, "Pain for more than 3 months after surgery."),
    "Marchetti 2016": (76, "49.6", 68, "Fibromyalgia for more than a year."),
    "Moreau 2015": (48, "51.2", 40, "Fibromyalgia for more than a year."),
    "Okonkwo 2010": (70, "57.9", 31, "Painful diabetic neuropathy for more than a year."),
    "Petrov 2017": (90, "46.5", 62, "Chronic widespread pain with poor sleep."),
    "Quinn 2016": (40, "43.8", 6, "Neuropathic pain below the level of a spinal cord injury."),
    "Sato 2014": (60, "44.0", 45, "Complex regional pain syndrome type 1 for more than 6 months."),
    "Tanaka 2021": (56, "71.2", 20, "Ischaemic limb pain without a way to revascularise."),
    "Virtanen 2013": (80, "39.4", 50, "Neck pain for more than 6 months after a whiplash injury."),
}  # fmt: skip
# Study: the infusion, its dose (mg/kg/h) and days, the comparator.
INTERVENTIONS = {
    "Alvarez 2023": ("IV ketamine for 4 hours on 3 days.", "0.3", "3", "Saline placebo, same schedule."),
    "Berg 2024": ("IV ketamine for 4 hours on 5 days.", "0.1", "5", "Saline placebo, same schedule."),
    "Fernandes 2011": ("IV ketamine for 5 hours on 3 consecutive days.", "0.25", "3", "Saline placebo, same schedule."),
    "Halvorsen 2020": ("IV ketamine for 6 hours on 2 days.", "0.2", "2", "Midazolam infusion as an active placebo."),
    "Harrow 2012": ("IV ketamine for 4 hours a day on 5 days.", "0.15", "5", "Saline placebo, same schedule."),
    "Ibrahim 2022": ("IV ketamine for 4 hours on 3 days.", "0.4", "3", "Saline placebo, same schedule."),
    "Kaur 2018": ("IV ketamine for 8 hours on 2 days.", "0.2", "2", "Saline placebo, same schedule."),
    "Lindqvist 2019": ("IV ketamine for 4 hours once a week, 4 weeks.", "0.2", "28", "Saline placebo, same schedule."),
    "Marchetti 2016": ("IV ketamine for 4 hours on 3 days.", "0.3", "3", "Saline placebo, same schedule."),
    "Moreau 2015": ("A single IV ketamine infusion over 1 hour.", "0.5", "1", "Lidocaine infusion (active comparator)."),
    "Okonkwo 2010": ("IV ketamine for 4 hours a day on 5 days.", "0.15", "5", "Saline placebo, same schedule."),
    "Petrov 2017": ("IV ketamine overnight on 2 nights.", "0.12", "2", "Saline placebo, same schedule."),
    "Quinn 2016": ("IV ketamine for 5 hours on 7 days.", "0.4", "7", "Saline placebo, same schedule."),
    "Sato 2014": ("IV ketamine titrated over 4.2 days.", "0.35", "4.2", "Saline placebo, same schedule."),
    "Tanaka 2021": ("IV ketamine for 24 hours.", "0.1", "1", "Saline placebo, same schedule."),
    "Virtanen 2013": ("A single IV ketamine infusion over 2 hours.", "0.3", "1", "Saline placebo."),
}  # fmt: skip
# Study: outcomes measured, follow-up (weeks), funding, conflicts of interest declared
# ("" when not reported).
OUTCOMES = {
    "Alvarez 2023": ([PAIN], "8", "Public", "no"),
    "Berg 2024": ([PAIN], "12", "Public", "no"),
    "Fernandes 2011": ([PAIN, HARMS], "6", "Public", "no"),
    "Halvorsen 2020": ([PAIN, SLEEP, HARMS], "12", "Mixed", "yes"),
    "Harrow 2012": ([PAIN, SLEEP, HARMS], "12", "Public", "no"),
    "Ibrahim 2022": ([PAIN, HARMS], "8", "Public", "no"),
    "Kaur 2018": ([PAIN], "4", "Public", "no"),
    "Lindqvist 2019": ([PAIN, SLEEP, HARMS], "12", "Industry", "yes"),
    "Marchetti 2016": ([PAIN, SLEEP], "8", "Public", "no"),
    "Moreau 2015": ([PAIN], "2", "Not reported", ""),
    "Okonkwo 2010": ([PAIN, HARMS], "6", "Public", "no"),
    "Petrov 2017": ([PAIN, SLEEP, HARMS], "4", "Public", "no"),
    "Quinn 2016": ([PAIN, HARMS], "12", "Public", "no"),
    "Sato 2014": ([PAIN, HARMS], "12", "Public", "no"),
    "Tanaka 2021": ([PAIN, HARMS], "4", "Industry", "yes"),
    "Virtanen 2013": ([PAIN], "4", "Public", "no"),
}  # fmt: skip
KEYS = (
    "study_design", "country", "setting", "recruitment_period_starts",
    "number_randomised", "age_mean", "women", "inclusion_criteria",
    "intervention_details", "dose", "duration_of_treatment", "comparator",
    "outcomes_measured", "follow_up", "funding_source", "conflicts_of_interest_declared",
)  # fmt: skip

NOTES = {
    "Moreau 2015": "Cross-over trial; the data of the first period are used.",
    "Quinn 2016": "The control group's SD is derived from the 95% CI of its mean.",
    "Sato 2014": "The 2022 report follows the same participants for two years.",
}


def answers(name: str) -> dict:
    """The demo's answers for a study, by field key (empty answers left out)."""
    row = (*METHODS[name], *PARTICIPANTS[name], *INTERVENTIONS[name], *OUTCOMES[name])
    given = dict(zip(KEYS, row, strict=True)) | {"notes": NOTES.get(name, "")}
    return {key: value for key, value in given.items() if value != ""}


def demo_extraction(review: Review, reviewer1, reviewer2, lead) -> None:
    """Fill the form for the review's studies that the demo has answers for.

    Without dual extraction, the first reviewer fills each study's shared
    entry. With it, both reviewers extract (disagreeing on a few answers) and
    the lead settles the first study; the others wait on the compare page.
    """
    if extraction_form_current(review) is None:
        return
    studies = Study.objects.filter(review=review, name__in=METHODS).order_by("name", "pk")
    for study in studies:
        services.entry_save(study=study, reviewer=reviewer1, data=answers(study.name))
        if review.dual_extraction:
            second = _second_opinion(answers(study.name))
            services.entry_save(study=study, reviewer=reviewer2, data=second)
    if review.dual_extraction and studies:
        _settle(studies[0], lead)


def _second_opinion(given: dict) -> dict:
    """The second reviewer's answers: the same, but for a misread age and funding."""
    return {**given, "age_mean": "45.7", "funding_source": "Not reported"}


def _settle(study: Study, lead) -> None:
    first = services.entries_independent(study)[0]
    services.entry_settle_agreements(study=study, lead=lead)
    for key in ("age_mean", "funding_source"):
        services.entry_settle(study=study, lead=lead, key=key, source=first)
