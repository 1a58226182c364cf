"""A break found in an event chain, a digest or the operator chain (ChainProblem), as the
integrity checks (audit.event_chain, audit.digests, audit.operator_chain) report it."""
from dataclasses import dataclass, field

from models.messages import Message


@dataclass(frozen=True)
class ChainProblem:
    kind: str          # one of audit.event_chain.KINDS, or for a kept digest: "digest", "missing", "changed",
                       # "unsigned", "signature", "copy"; "city" for the operator chain
    seq: int | None
    explanation: str   # English, for an auditor
    instance_id: int | None = None
    # The explanation as a template and its values, for the pages to translate (as
    # models.errors does; app.i18n.chain_explanation).
    template: str | None = None
    params: dict = field(default_factory=dict)


def make_problem(kind, at_seq, instance_id, text: Message) -> ChainProblem:
    return ChainProblem(kind, at_seq, text, instance_id, text.template, text.params)


def short_hash(sha: str | None) -> str:
    return (sha or "")[:12]
