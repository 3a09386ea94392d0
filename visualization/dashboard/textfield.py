"""A text field that commits on leaving it and keeps what is being typed through re-renders.

Solara's ``InputText`` with ``continuous_update=False`` sends the typed text to the page only
when the field is left (focus out or Enter). Until then the text lives only in the field's
widget, and any re-render of the page in between (a previous field's commit arriving late on
a busy machine, the play clock, a run finishing) sets the widget back to the element's
committed value: the keystrokes typed so far are lost. :func:`DraftText` keeps the typing as
the component's own state (a draft), shows the draft while there is one, and commits it when
the field is left.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

COMMIT_EVENTS = ("focusout", "keyup.enter")
"""Browser events that commit a field's draft: leaving it, or Enter."""


@solara.component
def DraftText(label: str, value: str, on_value: Callable[[str], None], error: bool | str = False):
    """A text input showing ``value`` (the committed text) or, while the visitor types, their
    draft; ``on_value(text)`` gets the draft when the field is left or Enter is pressed.

    ``error``: False, or a message shown under the field (the field marked red).
    """
    draft, set_draft = solara.use_state(None)

    def commit(widget, event, data):
        text = "" if widget.v_model is None else str(widget.v_model)
        set_draft(None)
        if text != value:  # leaving a field without changing it commits nothing
            on_value(text)

    field = solara.v.TextField(
        v_model=value if draft is None else draft,
        on_v_model=set_draft,
        label=label,
        error=bool(error),
        messages=[error] if isinstance(error, str) and error else [],
        hide_details="auto",
    )
    solara.v.use_event(field, COMMIT_EVENTS[0], commit)  # a hook per event, not in a loop
    solara.v.use_event(field, COMMIT_EVENTS[1], commit)
    return field
