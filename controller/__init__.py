"""accessctl: access-as-code for Atlassian Cloud.

Policies (YAML in git) + inventory (Atlassian REST) -> plan (pull request)
-> apply on merge -> audit committed back to git.
"""

__version__ = "0.1.0"
