"""Every page size and batch size the connector sends to Atlassian, in this one place.

Each stays within what Atlassian documents; where it documents nothing, the value is the
conservative one and says so (shared/reference/atlassian-api.md §1.3, §8). The simulator enforces
the same ceilings (`controller.sim.atlassian.config.SimConfig`), so a test fails if a request
ever exceeds one.
"""

from __future__ import annotations

# `POST /admin/v2/.../users/search` `limit`: documented default 50, maximum not documented;
# Atlassian's own examples and public clients use 100.
USERS_SEARCH_PAGE = 100
# Account IDs in one `users/search` (`accountIds`): undocumented for the POST search; 10 is the
# documented maximum of the GET list's `accountIds` filter, the same filter. Conservative.
ACCOUNT_IDS_PER_SEARCH = 10
# `POST /admin/v2/.../groups/search` and `GET .../groups/{id}/role-assignments` `limit`:
# documented default 20, maximum not documented; the same 100 as the user search.
GROUPS_PAGE = 100
# `GET /admin/v2/orgs/{orgId}/directories` `limit`: undocumented; organizations have a handful.
DIRECTORIES_PAGE = 20
# `POST /admin/v2/orgs/{orgId}/workspaces` `limit`: Atlassian's example asks for 20.
WORKSPACES_PAGE = 20
