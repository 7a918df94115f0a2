from django.core.management import call_command

from reviews.models import Membership, Review, Role
from workspace.demo import DEMO_TITLE


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
