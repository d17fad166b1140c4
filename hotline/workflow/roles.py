"""Which roles do what outside the pack's stage rules — defined once.

The pack decides who may take each action in each stage (``ActionRule.roles``) and who may
unmask (``identity_roles``); these are the few role sets the product itself fixes.
"""

from __future__ import annotations

from typing import Final

from hotline.org.models import Role

# 受理登记: who registers matters from the phone, the counter or the mail (首问负责).
INTAKE_ROLES: Final = frozenset({Role.AGENT, Role.COORDINATOR, Role.TEAM_LEADER, Role.ADMIN})
# Roles that act where a ticket *is* (the unit it was dispatched to), not where it was taken in.
UNIT_ROLES: Final = frozenset({Role.DEPT_HEAD, Role.HANDLER})
# 黑名单: an agent (or anyone at intake) requests an entry, a team leader decides (never the requester).
BLOCKLIST_REQUEST_ROLES: Final = INTAKE_ROLES
BLOCKLIST_DECIDE_ROLES: Final = frozenset({Role.TEAM_LEADER, Role.ADMIN})
# The centre's pages (board, approvals, callbacks) are for these.
CENTRE_ROLES: Final = frozenset({Role.COORDINATOR, Role.LEADER, Role.TEAM_LEADER, Role.ADMIN})
