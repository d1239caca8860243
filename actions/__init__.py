"""Rasa custom actions (bot environment).

They never import app packages: they call the api over HTTP.
"""

from actions.dialogue import ActionFallback, ActionFaq, ActionSwitchLanguage
from actions.session import ActionSessionStart

__all__ = ["ActionFallback", "ActionFaq", "ActionSessionStart", "ActionSwitchLanguage"]
