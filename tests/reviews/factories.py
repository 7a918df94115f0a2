import factory
from django.contrib.auth import get_user_model

from reviews.models import ImportBatch, Membership, Record, Review, Role, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    title = factory.Sequence(lambda n: f"Illustrative review {n}")
    population = "Adults with chronic pain"
    intervention = "Intravenous ketamine"
    created_by = factory.SubFactory(UserFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    review = factory.SubFactory(ReviewFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.REVIEWER


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    review = factory.SubFactory(ReviewFactory)
    source = Source.MEDLINE
    file_name = factory.Sequence(lambda n: f"search-{n}.nbib")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    status = ImportBatch.Status.DONE


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Record

    review = factory.SubFactory(ReviewFactory)
    batch = factory.SubFactory(ImportBatchFactory, review=factory.SelfAttribute("..review"))
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Illustrative trial {n} of ketamine for chronic pain")
    abstract = "An invented abstract."
    authors = factory.LazyFunction(lambda: ["Doe, Jane", "Roe, Richard"])
    year = 2020
