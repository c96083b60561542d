"""Redaction, credential-free endpoints and inert terminal output."""

from __future__ import annotations

from coach.privacy import endpoint_without_credentials, printable, redact, secrets_in


def test_secrets_are_the_key_the_url_password_and_credential_query_values() -> None:
    found = secrets_in("sk-abcdef", "http://user:hunter22@host:8080/v1?api-key=q-secret&v=2024")
    assert sorted(found) == ["hunter22", "q-secret", "sk-abcdef"]
    assert secrets_in(None, "http://localhost:8080/v1") == []


def test_redact_replaces_secrets_and_header_values() -> None:
    text = 'key sk-abcdef; Authorization: Bearer tok123 and "api-key": x; x-api-key=zz9\\"'
    cleaned = redact(text, ["sk-abcdef"])
    assert "sk-abcdef" not in cleaned and "tok123" not in cleaned and "zz9" not in cleaned
    assert cleaned.endswith('[redacted]\\"')  # an escaped quote in JSON text stays intact


def test_an_endpoint_is_written_down_without_credentials() -> None:
    url = "https://user:pw@gateway.example:8443/openai/v1/?api-key=k#frag"
    assert endpoint_without_credentials(url) == "https://gateway.example:8443/openai/v1"


def test_printable_drops_escape_sequences_but_keeps_line_breaks() -> None:
    raw = "a\x1b[31mb\x1b]0;title\x07c\x1b]8;;http://x\x1b\\d\x00\x7f\r\n\te"
    assert printable(raw) == "abcd\r\n\te"
