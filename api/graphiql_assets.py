"""GraphiQL without the internet: the IDE's scripts and styles served by the server itself.

strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from unpkg.com, so on a
machine without internet (or behind a strict proxy) `/graphql` stays on "Loading…". `make install`
runs `python -m api.graphiql_assets`, which takes the same pinned versions from the npm registry
(`npm pack`), checks each tarball against its pinned sha512, and keeps the seven files the page
needs under `api/graphiql_static/`. The server then serves them at `/graphiql-assets/` and points
the page there (the page's own subresource-integrity hashes still check every file). Without the
folder the page keeps its CDN links.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "graphiql_static"
MOUNT = "/graphiql-assets"
CDN = "https://unpkg.com/"

# npm package spec -> (sha512 integrity of its tarball, files the page loads from it)
PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "react@18.2.0": (
        "sha512-/3IjMdb2L9QbBdWiW5e3P2/npwMBaU9mHCSCUzNln0ZCYbcfTsGbTJrU/kGemdH2IWmB2ioZ+zkxtmq6g09fGQ==",
        ("umd/react.production.min.js",),
    ),
    "react-dom@18.2.0": (
        "sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g==",
        ("umd/react-dom.production.min.js",),
    ),
    "js-cookie@3.0.5": (
        "sha512-cEiJEAEoIbWfCZYKWhVwFuvPX1gETRYPw6LlaTKoxD3s2AkXzkCjnp6h0V77ozyqj0jakteJ4YqDJT830+lVGw==",
        ("dist/js.cookie.min.js",),
    ),
    "graphiql@3.8.3": (
        "sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==",
        ("graphiql.min.css", "graphiql.min.js"),
    ),
    "@graphiql/plugin-explorer@1.0.2": (
        "sha512-9j+kg2UjtLZD5EBmGjeWHkoVVxtbShYg2DzbUVebibnZYZM/iMBEF4vaccXJIAm5KaomIPLx0aoNs4LbODyc3Q==",
        ("dist/style.css", "dist/index.umd.js"),
    ),
}


def local_files() -> list[str]:
    """The paths, relative to the mount, of every file the page loads."""
    return [f"{spec}/{name}" for spec, (_, names) in PACKAGES.items() for name in names]


def available() -> bool:
    return all((STATIC / path).is_file() for path in local_files())


def offline_page(html: str) -> str:
    """strawberry's GraphiQL page with its CDN links pointing at this server's copies."""
    for path in local_files():
        html = html.replace(CDN + path, f"{MOUNT}/{path}")
    return html


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch(destination: Path = STATIC) -> None:
    """Take the pinned packages from the npm registry into `destination` (idempotent)."""
    with tempfile.TemporaryDirectory() as work:
        for spec, (integrity, names) in PACKAGES.items():
            if all((destination / spec / name).is_file() for name in names):
                continue
            packed = subprocess.run(
                ["npm", "pack", spec, "--pack-destination", work, "--silent"],
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            )
            tarball = Path(work) / packed.stdout.strip().splitlines()[-1]
            data = tarball.read_bytes()
            if _integrity(data) != integrity:
                raise RuntimeError(f"{spec}: the tarball does not match its pinned sha512")
            with tarfile.open(tarball) as archive:
                for name in names:
                    member = archive.extractfile(f"package/{name}")
                    if member is None:
                        raise RuntimeError(f"{spec}: {name} is missing from the package")
                    target = destination / spec / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(member.read())


def main() -> int:
    try:
        fetch()
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        print(
            f"GraphiQL assets not fetched ({error}); the IDE will load them from unpkg.com",
            file=sys.stderr,
        )
        return 1
    print(f"GraphiQL assets in {STATIC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
