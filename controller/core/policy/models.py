"""Desired state: the policy file kinds (DESIGN §3) as pydantic models.

These models are the single source of truth for `schemas/policy.schema.json`. They check the
shape of one document; meaning across documents (one Organization, known sites, unique names) is
checked by `controller.core.policy.checks`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from controller.core.model_base import Frozen

Slug = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        min_length=1,
        max_length=100,
        description="lower-case letters, digits, `.`, `_` and `-`",
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
# Strict: YAML `true` or `"60"` is a mistake to report, not a number of days to guess.
Days = Annotated[int, Field(strict=True, ge=0, le=3650, description="a number of days (0 to 3650)")]
PositiveDays = Annotated[
    int, Field(strict=True, ge=1, le=3650, description="a number of days (1 to 3650)")
]
Count = Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
Fraction = Annotated[float, Field(gt=0, le=1, description="a fraction between 0 and 1")]
# An account is named by e-mail (`jane@acme.com`) or accountId (`557058:0a1b…`, `5b10ac8d…`).
AccountRef = Annotated[
    str,
    Field(
        pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+|[A-Za-z0-9][A-Za-z0-9:_-]{5,127})$",
        description="an e-mail address or an Atlassian accountId",
    ),
]
GroupName = Annotated[str, Field(pattern=r"^\S(.*\S)?$", min_length=1, max_length=255)]
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
# GitHub's logins: letters, digits and single hyphens, neither first nor last, at most 39.
GitHubLogin = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9](-?[A-Za-z0-9])*$",
        max_length=39,
        description="a GitHub login, e.g. dana-k",
    ),
]
RepositoryUrl = Annotated[str, Field(pattern=r"^https?://[^\s/]+(/[^\s/?#]+){2}$")]
IssueFormName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$")]

ACCOUNT_TYPES = ("atlassian", "app", "customer", "unknown")
DEFAULT_PROTECTED_ROLES = ("atlassian/site-admin", "atlassian/org-admin")
AccountType = Literal["atlassian", "app", "customer", "unknown"]
DEFAULT_PROTECTED_TYPES: tuple[AccountType, ...] = ("app", "customer", "unknown")


class Header(Frozen):
    version: Literal[1] = Field(description="File format version; always 1.")

    @field_validator("version", mode="before")
    @classmethod
    def _exactly_the_integer_one(cls, value: object) -> object:
        if type(value) is not int:  # `1.0` or `true` would otherwise pass as 1
            raise ValueError(f"unsupported version; write `version: 1` (got {value!r})")
        return value


# --- Organization -------------------------------------------------------------------------


class SiteSpec(Frozen):
    name: Slug = Field(description="Short site name: `acme` for https://acme.atlassian.net.")
    url: Annotated[str, Field(pattern=r"^https?://[^\s/]+/?$")]
    cloud_id: Annotated[str, Field(min_length=1, max_length=100)]


class Protected(Frozen):
    """Accounts no policy may touch, whatever they match."""

    platform_roles: tuple[Annotated[str, Field(min_length=1)], ...] = DEFAULT_PROTECTED_ROLES
    account_types: tuple[AccountType, ...] = DEFAULT_PROTECTED_TYPES
    accounts: tuple[AccountRef, ...] = ()

    @model_validator(mode="after")
    def _admin_roles_stay_protected(self) -> Protected:
        missing = [r for r in DEFAULT_PROTECTED_ROLES if r not in self.platform_roles]
        if missing:
            raise ValueError(
                f"platform_roles must keep {', '.join(missing)}: admins are never revoked"
            )
        return self


class Limits(Frozen):
    """Caps on how much one plan may revoke; exceeding them refuses the plan (exit 4)."""

    max_revocations: Count | None = None
    max_revocation_fraction: Fraction | None = None


class Safety(Frozen):
    max_revocations: Count | None = Field(
        default=None, description="Most revocations one plan may carry (all policies together)."
    )
    max_revocation_fraction: Fraction = Field(
        default=0.10,
        description="Largest share of the seats of one product on one site one plan may revoke.",
    )
    over_limit: Literal["refuse", "trim"] = Field(
        default="refuse",
        description="A plan over a limit: `refuse` it whole (exit 4), or `trim` it to the "
        "revocations the limits allow, longest idle first, deferring the rest to later runs "
        "(a first clean-up of a neglected organization).",
    )


class Smtp(Frozen):
    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(strict=True, ge=1, le=65535)] = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    sender: EmailAddress = Field(alias="from")


class RequestLink(Frozen):
    """Where the warning and revocation mails send a person who wants the seat back.

    `github-issue` (the default): a link to the policy repository's issue form
    (`.github/ISSUE_TEMPLATE/<issue_form>`), the account, site and product filled in; a GitHub
    login is all it takes, and `accessctl request-access --from-issue` answers it.
    `mailbox`: a `mailto:` link to `mailbox`, subject and body filled in, for organizations
    whose people do not use GitHub. `none`: no link; the mail names the contact.
    """

    via: Literal["github-issue", "mailbox", "none"] = "github-issue"
    repository_url: RepositoryUrl | None = Field(
        default=None,
        description="The policy repository, e.g. https://github.com/acme/access-policies; "
        "default: $GITHUB_SERVER_URL/$GITHUB_REPOSITORY, which GitHub Actions sets.",
    )
    issue_form: IssueFormName = "request-access.yml"
    mailbox: EmailAddress | None = Field(
        default=None, description="Where `via: mailbox` sends the request."
    )

    @model_validator(mode="after")
    def _mailbox_with_mail(self) -> RequestLink:
        if (self.via == "mailbox") != (self.mailbox is not None):
            raise ValueError("give `mailbox` with `via: mailbox`, and only then")
        return self


class Notifications(Frozen):
    smtp: Smtp | None = None
    admin_digest: tuple[EmailAddress, ...] = ()
    send_warnings: Annotated[bool, Field(strict=True)] = True
    expiry_reminder_days: Days = Field(
        default=14,
        description="Remind an exclusion's owner this many days before it expires (0: on the day).",
    )
    request_link: RequestLink = RequestLink()


# Money per seat and month; strict so that a quoted `"8.60"` is reported, not guessed at.
Price = Annotated[float, Field(strict=True, ge=0, le=100_000, description="price of one seat")]


class Pricing(Frozen):
    """What a seat costs, for the savings `accessctl report` estimates (list prices will do)."""

    currency: str = Field(default="USD", description="ISO 4217 code, e.g. USD or EUR.")
    monthly_per_seat: dict[Slug, Price] = Field(
        default_factory=dict,
        description="Monthly price of one seat per product key, e.g. jira-software: 8.60.",
    )

    @field_validator("currency")
    @classmethod
    def _iso_currency_code(cls, value: str) -> str:
        if len(value) != 3 or not (value.isascii() and value.isalpha() and value.isupper()):
            raise ValueError(
                f"expected a three-letter currency code like USD or EUR (got {value!r})"
            )
        return value


DIRECTORY_AUTO = "auto"
ALL_DIRECTORIES = "-"  # Atlassian's "every directory": documented for reads, never for writes
JiraApi = Literal["site", "gateway"]


class Organization(Header):
    kind: Literal["Organization"]
    org_id: Annotated[str, Field(min_length=1, max_length=100)]
    sites: tuple[SiteSpec, ...] = Field(min_length=1)
    directory: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        default=DIRECTORY_AUTO,
        description="`auto` (the default): the organization's one directory, discovered at each "
        "run; or a directory ID from `GET /admin/v2/orgs/{org_id}/directories`, needed when the "
        "organization has several. Changes are written to this directory.",
    )
    jira_api: JiraApi = Field(
        default="site",
        description="How Jira is reached with JIRA_EMAIL and JIRA_API_TOKEN. `site` (the "
        "default): a classic API token, at https://<site>.atlassian.net/rest/api/3. `gateway`: "
        "a scoped API token or a service account's, at "
        "https://api.atlassian.com/ex/jira/<cloud_id>/rest/api/3.",
    )
    protected: Protected = Protected()
    safety: Safety = Safety()
    notifications: Notifications = Notifications()
    plan_ttl_days: Annotated[int, Field(strict=True, ge=1, le=90)] = 7
    pricing: Pricing | None = None
    description: str | None = None

    @field_validator("directory")
    @classmethod
    def _a_directory_changes_can_be_written_to(cls, value: str) -> str:
        if value == ALL_DIRECTORIES:
            raise ValueError(
                "`-` means every directory, which Atlassian accepts for reads only; changes "
                "need one directory: write `auto` (discovered) or the directory ID that "
                "`GET /admin/v2/orgs/<org_id>/directories` lists"
            )
        return value


# --- InactivityPolicy ---------------------------------------------------------------------


class PolicyExclude(Frozen):
    groups: tuple[GroupName, ...] = ()
    accounts: tuple[AccountRef, ...] = ()


class InactivityPolicy(Header):
    kind: Literal["InactivityPolicy"]
    name: Slug
    description: str | None = None
    site: Slug
    product: Slug = Field(description="Product key, e.g. jira-software, jira-servicedesk.")
    inactive_after_days: PositiveDays
    never_active_grace_days: PositiveDays | None = Field(
        default=None,
        description="For accounts never active on the product, counted from added_to_org; "
        "defaults to inactive_after_days.",
    )
    warn_before_days: Days = 0
    action: Literal["remove-from-groups", "suspend"] = "remove-from-groups"
    groups: tuple[GroupName, ...] | None = Field(
        default=None,
        description="Groups to remove; default: every group that grants the product on the site.",
    )
    exclude: PolicyExclude = PolicyExclude()
    allow_collateral: Annotated[bool, Field(strict=True)] = Field(
        default=False,
        description="Also remove people from groups that grant other products or sites besides "
        "this one, so they lose those too (the plan and the mails name each). Default: such "
        "accounts are skipped, with the groups to split.",
    )
    limits: Limits = Limits()
    max_seats: Count | None = Field(
        default=None,
        description="Keep at most this many seats of the product on the site: beyond it, the "
        "longest idle are warned and revoked first, even before inactive_after_days.",
    )

    @model_validator(mode="after")
    def _warning_fits_before_revocation(self) -> InactivityPolicy:
        if self.warn_before_days >= self.inactive_after_days:
            raise ValueError(
                f"warn_before_days ({self.warn_before_days}) must be less than "
                f"inactive_after_days ({self.inactive_after_days})"
            )
        return self

    @property
    def grace_days(self) -> int:
        return self.never_active_grace_days or self.inactive_after_days

    @property
    def quiet_days(self) -> int:
        """Idle this many days or fewer, an active account is not even warned yet."""
        return self.inactive_after_days - self.warn_before_days


# --- Exclusions ---------------------------------------------------------------------------


class Exclusion(Frozen):
    account: AccountRef | None = None
    group: GroupName | None = None
    reason: Text
    owner: Annotated[str, Field(min_length=1, max_length=200)]
    expires: date | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> Exclusion:
        if (self.account is None) == (self.group is None):
            raise ValueError("give exactly one of `account` or `group`")
        return self

    @property
    def subject(self) -> str:
        return self.account or self.group or ""

    def active_on(self, day: date) -> bool:
        return self.expires is None or day <= self.expires


class Exclusions(Header):
    kind: Literal["Exclusions"]
    name: Slug
    description: str | None = None
    entries: tuple[Exclusion, ...] = ()


# --- RestorePolicy and AccessGrants -------------------------------------------------------


class RestorePolicy(Header):
    """Give back what accessctl itself removed, to members of `eligible_groups`: those active
    again (on another product or site) within `active_within_days`, and, with
    `on_request: restore`, those who ask from the link in their mail, for seats removed at most
    `within_days` ago. The reviewed policy is the approval of such a restore; with
    `on_request: review` (the default) a request becomes a pull request for a person to review."""

    kind: Literal["RestorePolicy"]
    name: Slug
    description: str | None = None
    eligible_groups: tuple[GroupName, ...] = Field(min_length=1)
    active_within_days: PositiveDays | None = Field(
        default=None,
        description="Restore those active on another product or site within this many days.",
    )
    on_request: Literal["review", "restore"] = Field(
        default="review",
        description="A request from the link in a mail: `review` opens a pull request; "
        "`restore` gives the recorded groups back at once when every check holds.",
    )
    within_days: PositiveDays | None = Field(
        default=None,
        description="With on_request: restore, only seats accessctl removed this recently.",
    )

    @model_validator(mode="after")
    def _says_when_to_restore(self) -> RestorePolicy:
        if (self.on_request == "restore") != (self.within_days is not None):
            raise ValueError(
                "give `within_days` with `on_request: restore` (how recent a removal a "
                "request may undo), and only then"
            )
        if self.active_within_days is None and self.on_request != "restore":
            raise ValueError(
                "give `active_within_days`, or `on_request: restore` with `within_days`: "
                "otherwise this policy restores no one"
            )
        return self


class AccessGrant(Frozen):
    account: AccountRef
    site: Slug | None = None
    groups: tuple[GroupName, ...] | None = None
    product: Slug | None = None
    reason: Text
    expires: date | None = None

    @model_validator(mode="after")
    def _groups_or_product(self) -> AccessGrant:
        if (self.groups is None) == (self.product is None):
            raise ValueError("give exactly one of `groups` or `product`")
        return self

    def active_on(self, day: date) -> bool:
        return self.expires is None or day <= self.expires


class AccessGrants(Header):
    kind: Literal["AccessGrants"]
    name: Slug
    description: str | None = None
    grants: tuple[AccessGrant, ...] = ()


# --- GitHubIdentities ---------------------------------------------------------------------


class GitHubIdentity(Frozen):
    github: GitHubLogin
    account: AccountRef


class GitHubIdentities(Header):
    """Which Atlassian account each GitHub login is: how accessctl knows that the author of an
    access-request issue is the person whose seat it asks for. Reviewed like any policy; the
    organization's own records, not GitHub profiles, are the proof."""

    kind: Literal["GitHubIdentities"]
    name: Slug
    description: str | None = None
    identities: tuple[GitHubIdentity, ...] = ()


PolicyDocument = Annotated[
    Organization | InactivityPolicy | Exclusions | RestorePolicy | AccessGrants | GitHubIdentities,
    Field(discriminator="kind"),
]
KINDS = (
    "Organization",
    "InactivityPolicy",
    "Exclusions",
    "RestorePolicy",
    "AccessGrants",
    "GitHubIdentities",
)
