"""Read the submitted forms, and say in words what is wrong with them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from multidict import MultiMapping

MAX_QUESTION = 200
MAX_CHOICE = 100
MIN_CHOICES = 2
MAX_CHOICES = 10
#: How many empty choice fields a blank form offers.
BLANK_CHOICES = 4


@dataclass
class NewPollForm:
    """The "new poll" form: what the user typed, and the problems found in it."""

    question: str = ""
    choices: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_post(cls, data: MultiMapping[object]) -> NewPollForm:
        """Read and check a submitted form; ``errors`` is empty when it is valid."""
        question = data.get("question")
        form = cls(question=question.strip() if isinstance(question, str) else "")
        # Several fields share the name "choice"; getall() returns every one of them.
        # Empty fields are the spare ones the user did not need.
        for value in data.getall("choice", []):
            if isinstance(value, str) and value.strip():
                form.choices.append(value.strip())

        if not form.question:
            form.errors.append("Ask a question.")
        elif len(form.question) > MAX_QUESTION:
            form.errors.append(f"Keep the question under {MAX_QUESTION} characters.")
        if len(form.choices) < MIN_CHOICES:
            form.errors.append(f"Give at least {MIN_CHOICES} choices.")
        elif len(form.choices) > MAX_CHOICES:
            form.errors.append(f"Give at most {MAX_CHOICES} choices.")
        if any(len(choice) > MAX_CHOICE for choice in form.choices):
            form.errors.append(f"Keep each choice under {MAX_CHOICE} characters.")
        if len({choice.casefold() for choice in form.choices}) < len(form.choices):
            form.errors.append("Each choice must be different.")
        return form

    def choice_fields(self) -> list[str]:
        """The values of the choice inputs to show: what was typed, then blanks."""
        return self.choices + [""] * max(0, BLANK_CHOICES - len(self.choices))


def read_choice(data: MultiMapping[object]) -> int | None:
    """Return the choice id of a vote form, or None when there is no usable one."""
    value = data.get("choice")
    # A database id has at most 18 digits here: SQLite integers stop at 2**63 - 1.
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value):
        return int(value)
    return None
