"""How static files reach a phone: hashed names cached for a year, compressed once, served by
WhiteNoise (docs/performance.md).

`collectstatic` copies every file to STATIC_ROOT, adds a copy whose name carries a hash of its
content (`css/app.3f9c1a2b7d4e.css`), rewrites the references between files to those names, and
writes gzip and Brotli copies beside each one. Pages name the hashed copies, which never change,
so a browser keeps them for a year without asking again; a new release has new names. WhiteNoise
serves the smallest copy the browser accepts (`Vary: Accept-Encoding`), and files reached by
their plain names (a web manifest's icons, say) only for a minute before asking again.

Only Django and WhiteNoise are imported here: the settings import this module.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any
from wsgiref.headers import Headers

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

#: How long a browser keeps a file whose name carries its content's hash. A year is the longest
#: that HTTP caches are asked to honour (RFC 9111 §5.3); WhiteNoise's own choice is ten.
HASHED_MAX_AGE = 365 * 24 * 60 * 60

#: How long a browser keeps a file reached by its plain name before asking whether it changed.
PLAIN_MAX_AGE = 60

#: Files not worth compressing: WhiteNoise's list (images, fonts, archives), plus source maps,
#: which only a developer's tools ever fetch, and which are the largest files collected (the API
#: documentation's bundles): compressing them took most of collectstatic's time.
SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

#: How our ES modules (static/js/*.mjs) name other files, so that a module imports the hashed
#: name of another: `import ... from "./x.js";`, `export ... from "./x.js";`, `import "./x.js";`,
#: `import("./x.js")`, and a source map comment. These are the patterns Django applies to `*.js`
#: files only when asked (`support_js_module_import_aggregation`), since third-party bundles can
#: carry import-like text it cannot resolve; our own modules end in `.mjs`, so only they are
#: rewritten, and a module naming a file that does not exist fails collectstatic.
_MODULE_PATTERNS = (
    "*.mjs",
    (
        (
            r"""(?P<matched>import(?s:(?P<import>[\s\{].*?|\*\s*as\s*\w+))"""
            r"""\s*from\s*['"](?P<url>[./].*?)["']\s*;)""",
            """import%(import)s from "%(url)s";""",
        ),
        (
            r"""(?P<matched>export(?s:(?P<exports>[\s\{].*?))"""
            r"""\s*from\s*["'](?P<url>[./].*?)["']\s*;)""",
            """export%(exports)s from "%(url)s";""",
        ),
        (r"""(?P<matched>import\s*['"](?P<url>[./].*?)["']\s*;)""", """import"%(url)s";"""),
        (r"""(?P<matched>import\(["'](?P<url>.*?)["']\))""", """import("%(url)s")"""),
        (
            r"(?m)^(?P<matched>//# (?-i:sourceMappingURL)=(?P<url>.*))$",
            "//# sourceMappingURL=%(url)s",
        ),
    ),
)


def cache_hashed_files_for_a_year(headers: Headers, path: str, url: str) -> None:
    """WHITENOISE_ADD_HEADERS_FUNCTION: WhiteNoise has marked a hashed file immutable (it never
    changes under that name); say a year rather than WhiteNoise's ten."""
    if "immutable" in (headers.get("Cache-Control") or ""):
        headers["Cache-Control"] = f"max-age={HASHED_MAX_AGE}, public, immutable"


class _ReusingCompressor(Compressor):
    """Compresses a file only when no compressed copy of this very content exists yet, so that
    `make run`, which collects static files at every start, compresses only what changed.

    A copy is this content's when the file's name carries its content hash (`reusable` holds
    those names), or when the copy's modification time is the file's: the compressor sets it so,
    and collectstatic gives a file it copies again a new one. Copies are written under a
    temporary name and then renamed, so an interrupted run leaves none half written."""

    def __init__(self, *, reusable: set[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reusable = reusable

    def compress(self, path: str) -> list[str]:
        # Reused only when every copy this compressor makes is there: copies made before Brotli
        # was installed, say, are made again.
        made = {".br": self.use_brotli, ".gz": self.use_gzip}
        wanted = [path + suffix for suffix, used in made.items() if used]
        existing = [path + suffix for suffix in made if os.path.exists(path + suffix)]
        if existing == wanted and (
            path in self.reusable
            or all(os.stat(copy).st_mtime == os.stat(path).st_mtime for copy in existing)
        ):
            return existing
        for copy in existing:
            os.unlink(copy)
        return super().compress(path)

    def write_data(self, path: str, data: bytes, suffix: str, stat_result: os.stat_result) -> str:
        filename = path + suffix
        folder, name = os.path.split(filename)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.utime(temporary, (stat_result.st_atime, stat_result.st_mtime))
            os.chmod(temporary, 0o644)  # as a file collectstatic writes (mkstemp makes 0600)
            os.replace(temporary, filename)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        return filename


class ProductionStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed storage, with three differences:

    - pages name the hashed files even with DEBUG on, so `make run` (a DEBUG demo) serves what
      production serves; Django would fall back to plain names under DEBUG;
    - our ES modules import each other by hashed names (`_MODULE_PATTERNS`);
    - compressed copies made by an earlier run are kept (`_ReusingCompressor`).
    """

    patterns = (*CompressedManifestStaticFilesStorage.patterns, _MODULE_PATTERNS)

    def url(self, name: str | None, force: bool = False) -> str:
        return super().url(name, force=True)

    def create_compressor(self, **kwargs: Any) -> Compressor:
        full_paths = {self.path(hashed) for hashed in self.hashed_files.values()}
        return _ReusingCompressor(reusable=full_paths, **kwargs)
