"""Election arithmetic of domain.md §5.3, as a pure function over the entered figures.

Returns the winners plus lists of errors (the result cannot be saved) and warnings (saved with
the result and shown to the approving staff). Which checks are strict comes from policy.
"""

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Rules:
    quorum_strict: bool = False  # present*5 > expected*4 instead of >=
    majority_basis: str = "expected"  # "expected" (2020 rules) or "present" (older rules)
    margin_percent: int = 20
    margin_blocks: bool = True

    @classmethod
    def from_policy(cls, values):
        return cls(
            quorum_strict=bool(values["renewal.election_quorum_strict"]),
            majority_basis=values["renewal.election_majority_basis"],
            margin_percent=int(values["renewal.election_candidate_margin_percent"]),
            margin_blocks=bool(values["renewal.election_margin_blocks"]),
        )


@dataclass
class Outcome:
    elected: list = field(default_factory=list)  # candidate keys, most votes first
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def valid(self):
        return not self.errors


def min_candidates(seats, margin_percent):
    """Candidates needed for ``seats`` committee seats: ceil(seats * 1.2) by default."""
    return math.ceil(seats * (100 + margin_percent) / 100)


def evaluate(*, expected, present, issued, returned, seats, votes, competitive, rules):
    """Check the figures and determine the winners.

    ``votes`` maps a candidate key to yes votes; ``competitive`` is True for committee
    elections (差额 required) and False for a lone secretary (等额 allowed).
    """
    out = Outcome()
    if expected <= 0:
        out.errors.append(_("应到会人数必须大于0。"))
        return out
    if present > expected:
        out.errors.append(
            _("实到会人数（%(p)d）不能超过应到会人数（%(e)d）。") % {"p": present, "e": expected}
        )
    quorum_ok = present * 5 > expected * 4 if rules.quorum_strict else present * 5 >= expected * 4
    if not quorum_ok:
        need = expected * 4 // 5 + 1 if rules.quorum_strict else math.ceil(expected * 4 / 5)
        out.errors.append(
            _(
                "到会人数不足：应到 %(e)d 人，实到 %(p)d 人，至少需要 %(n)d 人（应到会人数的五分之四），选举无效。"
            )
            % {"e": expected, "p": present, "n": need}
        )
    if issued > present:
        out.errors.append(_("发出选票（%(i)d）不能多于实到会人数（%(p)d）。") % {"i": issued, "p": present})
    if returned > issued:
        out.errors.append(
            _("收回选票（%(r)d）多于发出选票（%(i)d），选举无效。") % {"r": returned, "i": issued}
        )
    if seats <= 0:
        out.errors.append(_("应选名额必须大于0。"))
        return out
    if len(votes) < seats:
        out.errors.append(_("候选人（%(c)d 人）少于应选名额（%(s)d 名）。") % {"c": len(votes), "s": seats})
    if competitive:
        needed = min_candidates(seats, rules.margin_percent)
        if len(votes) < needed:
            message = _(
                "差额选举要求候选人数多于应选名额 %(m)d%%：应选 %(s)d 名，候选人至少 %(n)d 人，现有 %(c)d 人。"
            ) % {"m": rules.margin_percent, "s": seats, "n": needed, "c": len(votes)}
            (out.errors if rules.margin_blocks else out.warnings).append(message)
    for key, count in votes.items():
        if count < 0 or count > returned:
            out.errors.append(
                _("候选人 %(k)s 的得票数（%(v)d）不能超过收回选票数（%(r)d）。")
                % {"k": key, "v": count, "r": returned}
            )
    basis = expected if rules.majority_basis == "expected" else present
    passed = sorted((key for key, count in votes.items() if count * 2 > basis), key=lambda k: -votes[k])
    if len(passed) > seats:
        last, first_out = votes[passed[seats - 1]], votes[passed[seats]]
        if last == first_out:
            out.errors.append(
                _("第 %(s)d 名与第 %(n)d 名得票相同（%(v)d 票），应就这些候选人再次投票。")
                % {"s": seats, "n": seats + 1, "v": last}
            )
        passed = passed[:seats]
    elif len(passed) < seats:
        out.errors.append(
            _(
                "得票超过%(basis)s半数（%(b)d 人的一半）的候选人只有 %(n)d 人，不足应选名额 %(s)d 名，应就不足名额另行选举。"
            )
            % {
                "basis": _("应到会人数") if rules.majority_basis == "expected" else _("实到会人数"),
                "b": basis,
                "n": len(passed),
                "s": seats,
            }
        )
    out.elected = passed if out.valid else []
    return out
