from django.core.management import call_command

from extraction.models import FormField
from extraction.services.form_builder import extraction_form_current
from reviews.models import Membership, Review, Role
from workspace.demo import DEMO_TITLE, demo_load
from workspace.services import review_create


def test_demo_loads_once_and_prints_the_logins(db, capsys):
    call_command("demo")
    call_command("demo")
    out = capsys.readouterr().out
    review = Review.objects.get(title=DEMO_TITLE)
    assert "illustrative" in review.title and "Illustrative demo data" in review.population
    roles = dict(Membership.objects.filter(review=review).values_list("user__username", "role"))
    assert roles == {
        "demo-lead": Role.LEAD,
        "demo-reviewer1": Role.REVIEWER,
        "demo-reviewer2": Role.REVIEWER,
    }
    assert "Demo review created" in out and "Demo review already loaded" in out
    assert "demo-lead" in out and "password for all: prismatic-demo" in out
    assert Review.objects.count() == 1
    for membership in Membership.objects.filter(review=review).select_related("user"):
        assert membership.user.check_password("prismatic-demo"), membership.user


def test_the_demo_has_its_own_form_and_a_new_review_gets_the_default(db):
    review, _ = demo_load()
    lead = review.memberships.get(role=Role.LEAD).user
    form = extraction_form_current(review)
    # version 1 is the default every review starts with; the demo's lead replaced it
    assert form.version == 2
    dose = FormField.objects.get(section__form=form, key="dose")
    assert (dose.label, dose.unit) == ("Dose", "mg/kg/h")
    assert form.entries.count() == 16
    other = review_create(user=lead, title="Exercise for knee osteoarthritis")
    sections = extraction_form_current(other).sections.values_list("title", flat=True)
    assert list(sections) == [
        "Methods",
        "Participants",
        "Interventions",
        "Outcomes",
        "Results",
        "Notes",
    ]
    assert not FormField.objects.filter(section__form__review=other, unit="mg/kg/h").exists()
