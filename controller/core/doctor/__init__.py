"""`accessctl doctor`'s judges: pure functions from what a read found to ok / FAIL / skipped.

Sits beside the plan in the pure core. The adapters read (`controller.adapters.atlassian.probes`,
`controller.adapters.github.probes`, the SMTP session of `controller.adapters.mail.mailer`),
never changing anything; `controller.app.commands.doctor` orders the checks, hands each read to
its judge here, and prints the findings. Every judge names, for a failure, the exact fix.

- `findings`: the `Finding` of one check, and the `Refused` a read may meet;
- `local`: the policy set (alone, and against the organization's groups), the plan key, the mail
  server;
- `atlassian`: the Admin API key and the directory, each site's Jira;
- `github`: the token and repository, labels, the Actions setting, pushing `state/`.
"""

from controller.core.doctor.findings import Finding, Refused, Status, all_passed

__all__ = ["Finding", "Refused", "Status", "all_passed"]
