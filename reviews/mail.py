"""The e-mails Prismatic sends, each a subject and a text body from templates.

They go through Django's mail framework, so the backend (console, SMTP, ...)
and ``DEFAULT_FROM_EMAIL`` come from the settings.
"""

import smtplib

from django.core.mail import send_mail
from django.template.loader import render_to_string

# What a mail backend raises when the server is down, refuses or times out.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def mail_send(*, to: str, template: str, context: dict) -> None:
    """Send ``<template>_subject.txt`` and ``<template>.txt`` rendered with ``context``."""
    subject = render_to_string(f"{template}_subject.txt", context)
    # A header cannot hold a newline; templates end with one.
    subject = " ".join(subject.split())
    body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, None, [to])
