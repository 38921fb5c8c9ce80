"""Real-HTTP simulators of the services accessctl talks to, for the demo, tests and benchmarks.

`server.running()` serves any ASGI app on loopback; `atlassian` simulates Atlassian Cloud (Admin
API and Jira REST), `github` the GitHub REST API, and `generate` makes realistic organizations.
These sit in the imperative shell (DESIGN §8): nothing in the pure core imports them.
"""
