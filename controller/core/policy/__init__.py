"""Desired state: policy models, the loader with file:line errors, and the checked policy set."""

from controller.core.policy.loader import load_policies, load_policy_set
from controller.core.policy.policy_set import LoadedPolicies, PolicySet, policies_digest

__all__ = ["LoadedPolicies", "PolicySet", "load_policies", "load_policy_set", "policies_digest"]
