"""The one HTTP boundary both service clients share (DESIGN §1; STYLE "HTTP").

`controller.adapters.atlassian.client` and `controller.adapters.github.http` each wrap one
`httpx.Client` and keep their own URLs, credentials and messages ("what to do next"). What is
the same for both lives here, once:

- `errors`: the failure types (`NotFound`, `Forbidden`, `RateLimited`...) and which one a status
  is; above the two clients, nothing handles httpx or a raw status.
- `retrying`: which failed request may be sent again, and how long to wait first (bounded,
  jittered, idempotent-only); the clock and the jitter come in as `Timing`.
- `rate_limits`: `Retry-After` (delta-seconds or HTTP-date, RFC 9110) and the `X-RateLimit-*`
  headers (a reset given as Atlassian's ISO-8601 instant or GitHub's epoch seconds).
- `scrubbing`: secrets out of every message built from what a server, git or SMTP said.
"""
