"""The template's column and the import's refusal, shared by reader and template."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    choices: tuple = ()
    example: object = ""
    width: int = 16


class ImportRefused(ValidationError):
    """A refused import: a summary and every bad row's number and reason."""

    def __init__(self, message, row_errors=()):
        self.summary = str(message)
        self.row_errors = list(row_errors)
        lines = [self.summary] + [
            _("第 %(row)s 行：%(reason)s") % {"row": row, "reason": reason}
            for row, reason in self.row_errors
        ]
        super().__init__(lines)


def _refuse(message):
    raise ImportRefused(message)


#: Sentence endings a row's reason may carry (Chinese and English).
_SENTENCE_ENDS = "。．.！!"


def join_reasons(reasons):
    """Return a row's reasons as one text: "甲；乙。", never "甲。；乙。".

    Each reason is a full sentence with its own full stop; all but the last
    lose theirs before the join, so the punctuation is never doubled (in
    English too: "A; B."). Repeated reasons are given once.
    """
    reasons = [str(r).strip() for r in dict.fromkeys(reasons) if str(r).strip()]
    if not reasons:
        return ""
    head = [r.rstrip(_SENTENCE_ENDS) or r for r in reasons[:-1]]
    return pgettext("punctuation", "；").join([*head, reasons[-1]])
