"""Where the GitHub client connects and as whom: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN.

GitHub Actions sets all three; the simulator's `accessctl sim github` prints them for a shell.
The token is kept out of `repr` so a settings object can be logged safely.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from controller.adapters.github.errors import ForgeNotConfigured

DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class ForgeSettings:
    repository: str
    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL

    def __post_init__(self) -> None:
        if self.repository.count("/") != 1 or not all(self.repository.split("/")):
            raise ForgeNotConfigured(
                f"GITHUB_REPOSITORY must look like OWNER/NAME, not {self.repository!r}"
            )
        if not self.token:
            raise ForgeNotConfigured("GITHUB_TOKEN is empty; set it to a token for the repository")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ForgeSettings:
        repository = environ.get("GITHUB_REPOSITORY", "")
        token = environ.get("GITHUB_TOKEN", "")
        if not repository or not token:
            missing = [
                name
                for name, v in (("GITHUB_REPOSITORY", repository), ("GITHUB_TOKEN", token))
                if not v
            ]
            raise ForgeNotConfigured(
                f"{' and '.join(missing)} not set; GitHub Actions sets them, elsewhere export them "
                "(`accessctl sim github` prints them for the simulator)"
            )
        api_url = (environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        return cls(repository=repository, token=token, api_url=api_url)

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]
