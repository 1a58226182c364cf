"""Connector secrets: named values (OA_TOKEN) kept in the settings or the environment
(CONNECTOR_SECRET_OA_TOKEN), never in a diagram, a connector row, the event log or a page."""
import re

ENV_PREFIX = "CONNECTOR_SECRET_"
SECRET_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,59}$")
SECRET_REFERENCE = re.compile(r"\$\{secret:([A-Za-z0-9_]+)\}")


def secrets_from_environ(environ) -> dict[str, str]:
    """The secrets of the environment: CONNECTOR_SECRET_<NAME>=value as {NAME: value}."""
    return {key[len(ENV_PREFIX):]: value for key, value in environ.items()
            if key.startswith(ENV_PREFIX) and SECRET_NAME.match(key[len(ENV_PREFIX):]) and value}


def secret_names(text: str) -> list[str]:
    """The secrets a template names (${secret:NAME})."""
    return SECRET_REFERENCE.findall(text or "")


def redact(text, secrets: dict[str, str]) -> str:
    """The text with every secret's value replaced by [secret NAME] (longest values first)."""
    text = "" if text is None else str(text)
    for name, value in sorted(secrets.items(), key=lambda item: -len(item[1] or "")):
        if value and len(value) >= 4:  # a one-letter "secret" would blank the whole summary
            text = text.replace(value, f"[secret {name}]")
    return text
