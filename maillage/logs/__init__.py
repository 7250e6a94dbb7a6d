"""Structured logs without personal data: one JSON line per request and per domain event
(imports, moderation, backups, e-mails, logins), every line passed through a filter that
redacts e-mail addresses, phone numbers, IP addresses, passwords, tokens and session ids.
Configured in settings.LOGGING; MAILLAGE_LOG_FORMAT switches JSON and text."""
