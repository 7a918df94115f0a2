import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


def display_name(user) -> str:
    """How the app names a person: their full name, else their username."""
    return user.get_full_name() or user.username


class Review(models.Model):
    """A systematic review: its question, protocol and team settings."""

    title = models.CharField(max_length=300)
    population = models.TextField(blank=True, help_text="P: who the review is about.")
    intervention = models.TextField(blank=True, help_text="I: the treatment or exposure.")
    comparator = models.TextField(blank=True, help_text="C: what it is compared with.")
    outcomes = models.TextField(blank=True, help_text="O: the outcomes that matter.")
    study_designs = models.TextField(
        blank=True, help_text="Study designs eligible, e.g. randomised controlled trials."
    )
    protocol_id = models.CharField(
        "protocol registration",
        max_length=100,
        blank=True,
        help_text="Registration id, e.g. a PROSPERO number (CRD42024123456).",
    )
    blinding = models.BooleanField(
        default=True, help_text="Reviewers cannot see each other's decisions until resolved."
    )
    screeners_per_record = models.PositiveSmallIntegerField(
        default=2, help_text="How many reviewers screen each record independently."
    )
    maybe_to_full_text = models.BooleanField(
        "“maybe” goes to full text",
        default=True,
        help_text="A title/abstract result of “maybe” sends the record on to full-text screening.",
    )
    maybe_is_conflict = models.BooleanField(
        "a “maybe” is a conflict",
        default=True,
        help_text="Any “maybe” vote sends the record to the lead, even if everyone said maybe.",
    )
    reason_at_title_abstract = models.BooleanField(
        "reasons at title/abstract",
        default=False,
        help_text="Ask for an exclusion reason at title/abstract too (always asked at full text).",
    )
    lead_sees_voters = models.BooleanField(
        "lead sees who voted what",
        default=True,
        help_text="When resolving, the lead sees the reviewers' names (Rayyan) or not (Covidence).",
    )
    screening_order = models.CharField(
        max_length=10,
        choices=[("import", "Import order"), ("random", "Random, with a fixed seed")],
        default="import",
    )
    order_seed = models.PositiveIntegerField(default=0, help_text="Seed of the random order.")
    include_terms = models.TextField(
        "terms to highlight for inclusion",
        blank=True,
        help_text="Comma or line separated; end a word with * for any ending (randomi*).",
    )
    exclude_terms = models.TextField(
        "terms to highlight for exclusion", blank=True, help_text="As above."
    )
    dual_extraction = models.BooleanField(
        default=False,
        help_text="Two reviewers extract each study, blinded; the lead settles differences.",
    )
    rob_tools = models.JSONField(
        "risk-of-bias tools",
        default=list,
        blank=True,
        help_text="Keys of the tools the review uses, e.g. rob2.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(screeners_per_record__gte=1, screeners_per_record__lte=3),
                name="review_screeners_1_to_3",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("review_dashboard", args=[self.pk])


class Role(models.TextChoices):
    LEAD = "lead", "Lead"
    REVIEWER = "reviewer", "Reviewer"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's role on one review."""

    review = models.ForeignKey(Review, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    added = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.review}"

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD

    @property
    def can_screen(self) -> bool:
        return self.role in (Role.LEAD, Role.REVIEWER)


class Invitation(models.Model):
    """An e-mailed invitation to join a review's team with a role.

    Only the SHA-256 of the link's token is kept: the plain link exists in the
    e-mail and on the lead's screen at the moment it is made, never at rest.
    """

    VALID_FOR = timedelta(days=7)

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    review = models.ForeignKey(Review, models.CASCADE, related_name="invitations")
    email = models.EmailField("e-mail")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    sent = models.DateTimeField("last sent")
    expires = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed = models.DateTimeField("accepted or revoked", null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["created"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "email"],
                condition=models.Q(status="pending"),
                name="invitation_one_pending_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} as {self.get_role_display()}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def token_matches(self, token: str) -> bool:
        return hmac.compare_digest(self.token_hash, self.hash_token(token))

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires

    @property
    def inviter_name(self) -> str:
        user = self.invited_by
        return display_name(user) if user else "The review's lead"


class Source(models.TextChoices):
    """Where records were identified, in the PRISMA 2020 sense."""

    MEDLINE = "medline", "MEDLINE"
    EMBASE = "embase", "Embase"
    CENTRAL = "central", "Cochrane CENTRAL"
    OTHER_DATABASE = "database", "Other database"
    REGISTER = "register", "Trial register"
    CITATION = "citation", "Citation searching"
    WEBSITE = "website", "Websites and organisations"

    @classmethod
    def databases(cls) -> set[str]:
        return {cls.MEDLINE, cls.EMBASE, cls.CENTRAL, cls.OTHER_DATABASE}


class ImportBatch(models.Model):
    """One uploaded export file: a database search, its file and what came of it."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Awaiting confirmation"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    review = models.ForeignKey(Review, models.CASCADE, related_name="import_batches")
    source = models.CharField(max_length=16, choices=Source.choices)
    source_name = models.CharField(
        "database name",
        max_length=100,
        blank=True,
        help_text="e.g. PsycINFO, ClinicalTrials.gov; defaults to the source's name.",
    )
    interface = models.CharField(
        max_length=100, blank=True, help_text="e.g. PubMed, Ovid, Embase.com, Cochrane Library."
    )
    search_date = models.DateField(null=True, blank=True)
    strategy = models.TextField("search strategy", blank=True)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    format = models.CharField("format", max_length=32, blank=True)
    format_override = models.CharField(max_length=32, blank=True)
    encoding = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    record_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    error_line = models.PositiveIntegerField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # Its task could not be sent (the broker was down), or was sent long ago and is
    # still queued (the message was lost): the beat sends it again.
    send_failed = models.BooleanField(default=False)
    sent = models.DateTimeField(null=True, blank=True, help_text="When its task was last sent.")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["warnings", "task_id"])

    class Meta:
        ordering = ["created"]
        verbose_name = "import"
        constraints = [
            models.UniqueConstraint(
                fields=["review", "sha256"],
                condition=~models.Q(status="failed"),
                name="import_unique_file_per_review",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.source_label})"

    def get_absolute_url(self) -> str:
        return reverse("import_detail", args=[self.review_id, self.pk])

    @property
    def source_label(self) -> str:
        return self.source_name or self.get_source_display()

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Record(models.Model):
    """One bibliographic record as imported, with its normalised matching keys."""

    # No index of its own: the composite indexes below all start with review.
    review = models.ForeignKey(Review, models.CASCADE, related_name="records", db_index=False)
    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="records")
    position = models.PositiveIntegerField(help_text="Order within its import file.")
    source_line = models.PositiveIntegerField(default=0)
    title = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    journal = models.CharField(max_length=500, blank=True)
    volume = models.CharField(max_length=50, blank=True)
    issue = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=50, blank=True)
    doi = models.CharField("DOI", max_length=255, blank=True)
    pmid = models.CharField("PMID", max_length=20, blank=True)
    embase_id = models.CharField("Embase id", max_length=50, blank=True)
    central_id = models.CharField("CENTRAL id", max_length=50, blank=True)
    accession = models.CharField(max_length=100, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    mesh_terms = models.JSONField("MeSH terms", default=list, blank=True)
    language = models.CharField(max_length=100, blank=True)
    publication_type = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    raw = models.JSONField("original fields", default=list, blank=True)
    title_key = models.CharField(max_length=300, blank=True)
    duplicate_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )

    class Meta:
        ordering = ["batch_id", "position"]
        indexes = [
            models.Index(fields=["review", "duplicate_of"]),
            models.Index(fields=["review", "doi"]),
            models.Index(fields=["review", "pmid"]),
            # The records browser's sorts, with duplicate_of so that a page deep in 100,000
            # unique records is found in the index alone (SQLite keeps the abstract in the
            # row, before duplicate_of: reading the row to test it reads the abstract).
            models.Index(
                fields=["review", "duplicate_of", "title_key", "id"], name="record_title_order"
            ),
            models.Index(fields=["review", "duplicate_of", "year", "id"], name="record_year_order"),
        ]

    def __str__(self) -> str:
        return self.title[:80] or f"Record {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("record_detail", args=[self.review_id, self.pk])

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""


class DuplicatePair(models.Model):
    """Two records that may be the same report, with the matcher's score and the verdict."""

    class Status(models.TextChoices):
        AUTO = "auto", "Merged automatically"
        UNDECIDED = "undecided", "To check"
        MERGED = "merged", "Merged by the lead"
        DISTINCT = "distinct", "Not duplicates"

    review = models.ForeignKey(Review, models.CASCADE, related_name="duplicate_pairs")
    left = models.ForeignKey(Record, models.CASCADE, related_name="+")
    right = models.ForeignKey(Record, models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["reasons"])

    class Meta:
        ordering = ["-score"]
        verbose_name = "duplicate pair"
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(left__lt=models.F("right")), name="duplicate_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["review", "status"])]

    def __str__(self) -> str:
        return f"{self.left_id} ~ {self.right_id} ({self.score:.2f})"

    @property
    def is_duplicate(self) -> bool:
        return self.status in (self.Status.AUTO, self.Status.MERGED)


class Label(models.Model):
    """A name the team gives records of a review, e.g. "ask the authors", "animal study"."""

    review = models.ForeignKey(Review, models.CASCADE, related_name="labels")
    name = models.CharField(max_length=40)
    records = models.ManyToManyField(
        Record, through="RecordLabel", related_name="labels", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "review", name="label_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class RecordLabel(models.Model):
    """One record carrying one label: who put it there, and when."""

    label = models.ForeignKey(Label, models.CASCADE, related_name="links")
    record = models.ForeignKey(Record, models.CASCADE, related_name="label_links")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    added = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "record label"
        constraints = [
            models.UniqueConstraint(fields=["label", "record"], name="record_label_unique"),
        ]

    def __str__(self) -> str:
        return f"“{self.label.name}” on record #{self.record_id}"
