"""English text that remembers its template and values, so the web layer can say it in Persian.

A Message is a str: logs, the CLI, English pages and every comparison read the English text
exactly as an f-string would have written it. app/i18n.py `say` translates its template with
gettext and fills in its values (nested Messages translated too, numbers in the page's digits,
ids and names isolated). The layers below app never import Flask: they only build Messages.
"""


class Message(str):
    """English text (template.format(**params)) carrying its template and params."""

    template: str
    params: dict

    def __new__(cls, template: str, **params):
        text = super().__new__(cls, template.format(**params) if params else template)
        text.template = template
        text.params = params
        return text

    def __reduce__(self):  # pickling (a BpmnError in a worker) keeps the template
        return (_rebuild, (self.template, self.params))


def _rebuild(template, params):
    return Message(template, **params)
