"""Drive the real `esp-rainmaker-cli` as a subprocess, one isolated HOME per CLI profile.

The CLI keeps its state under `$HOME/.espressif/rainmaker` and writes a DEBUG log (every request and
response) to `$RMAKER_CLI_LOG_DIR`, so a temporary HOME per instance keeps profiles apart. It runs in a
new session with stdin from /dev/null (or a pipe when a prompt needs an answer), so it never reads a
controlling terminal. It exits 0 on almost every failure: callers must check what it printed.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILE = "local"
COMMAND_TIMEOUT_SECONDS = 30
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# Variables that would make the CLI read or write state outside its temporary HOME.
LEAKY_ENV_PREFIXES = ("RM_", "RMAKER_", "ESP_RAINMAKER_", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
# `login` prints which profile is selected, then pauses 3 s (`time.sleep(3)` in rmaker_cmd/user.py)
# so that a person at a terminal can read it before anything else happens. Nothing waits on that
# pause, and it was half of every compat module's setup; the tests run the CLI's own entry point
# (`rainmaker.rainmaker.main`, as its console script does) with only that pause taken out.
LOGIN_WITHOUT_PAUSE = """
import sys, types
from rainmaker.rainmaker import main
import rmaker_cmd.user
rmaker_cmd.user.time = types.SimpleNamespace(sleep=lambda seconds: None)
sys.argv = sys.argv[1:]  # the console script's path, then the command: what argparse saw before
sys.exit(main())
"""


def plain(text: str) -> str:
    """Output without the ANSI colour codes the CLI puts around profile names."""
    return ANSI_ESCAPE.sub("", text)


def decode_jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@dataclass
class RainMakerCli:
    """One CLI installation bound to one HOME directory (one set of profiles and tokens)."""

    executable: Path
    home: Path
    timeout: float = COMMAND_TIMEOUT_SECONDS
    history: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    @property
    def profiles_dir(self) -> Path:
        return self.home / ".espressif" / "rainmaker" / "profiles"

    @property
    def token_file(self) -> Path:
        return self.profiles_dir / f"{PROFILE}_config.json"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(LEAKY_ENV_PREFIXES)}
        env.update(
            HOME=str(self.home),
            RMAKER_CLI_LOG_DIR=str(self.log_dir),
            PYTHONIOENCODING="utf-8",
            TZ="UTC",
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
        )
        return env

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run one CLI command; `input` is piped to stdin for prompts, otherwise stdin is /dev/null."""
        return self._execute([str(self.executable), *args], input)

    def _execute(self, command: list[str], input: str | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            command,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=self.home,
            timeout=self.timeout,
            start_new_session=True,
        )
        self.history.append(result)
        return result

    def profile_add(self, base_url: str) -> subprocess.CompletedProcess[str]:
        return self.run("profile", "add", PROFILE, "--base-url", base_url)

    def login(
        self, user_name: str, password: str, *, as_shipped: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """Switch to the local profile, then log in (`login --profile` saves tokens to the wrong
        profile); without the banner's pause unless `as_shipped` (the console script untouched)."""
        switched = self.run("profile", "switch", PROFILE)
        assert f"Switched to profile '{PROFILE}'" in switched.stdout, describe(switched)
        login = ["login", "--user_name", user_name, "--password", password]
        if as_shipped:
            return self.run(*login)
        python = self.executable.parent / "python"
        return self._execute([str(python), "-c", LOGIN_WITHOUT_PAUSE, str(self.executable), *login])

    def tokens(self) -> dict[str, str]:
        return json.loads(self.token_file.read_text())

    def write_tokens(self, tokens: dict[str, str]) -> None:
        self.token_file.write_text(json.dumps(tokens))

    def clone(self, home: Path) -> RainMakerCli:
        """A second CLI with a copy of this one's profiles and tokens (a new HOME, no new login)."""
        shutil.copytree(self.home / ".espressif", home / ".espressif")
        return RainMakerCli(self.executable, home, self.timeout)

    def log_text(self) -> str:
        return "".join(path.read_text(errors="replace") for path in sorted(self.log_dir.glob("*.log")))


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """Everything about a CLI run, for assertion messages."""
    return (
        f"$ {' '.join(map(str, result.args))}\n"
        f"exit code: {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}--- stderr ---\n{result.stderr}"
    )


def json_output(result: subprocess.CompletedProcess[str]) -> Any:
    """The JSON document a command printed as its whole stdout."""
    assert result.returncode == 0, describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as error:  # pragma: no cover - only on failure
        raise AssertionError(f"stdout is not JSON ({error})\n{describe(result)}") from error
