"""Every JS/CSS/image file a map page uses, from installed, version-pinned packages.

A control room has no internet, and a briefing file must open on a laptop in a
bunker, so no page may fetch from a CDN. Third-party files come from PyPI
packages pinned exactly in ``pyproject.toml`` (pip installs them, nothing is
committed) and are checked against a SHA-256 pinned here before a byte is used:
an upgraded or tampered package fails loudly instead of shipping unseen code.
Our own small CSS/JS lives in ``layers/static`` and is registered the same way,
without a pinned hash (it changes with the code that uses it).

The registry is keyed by ``(name, file)``, the same pair the served URL uses
(``/assets/<name>/<file>``), so relative references inside a CSS file (Leaflet's
``url(images/layers.png)``) resolve to registered files in both modes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.resources
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import version as dist_version

OWN = "georisk"  # the name of our own assets and of the distribution that ships them


class AssetError(RuntimeError):
    """A registered asset is missing, or its bytes are not the ones we pinned."""


class UnknownAsset(KeyError):
    """No asset is registered under this name and file (a 404 for the served route)."""


@dataclass(frozen=True)
class Asset:
    """One file of one library, and where it comes from.

    ``replaces`` lists the CDN URLs that folium, branca or a plugin writes into a page
    for this file: the page post-processor swaps exactly those for the local copy.
    ``inert_urls`` lists URL strings inside the pinned file that no browser fetches
    (an XML namespace, a link target, a comment), so the external-URL check can tell
    them from real requests.
    """

    name: str
    file: str
    version: str
    package: str  # the distribution that ships the file (PyPI name)
    module: str  # the importable package holding the file
    path: str  # the file's path inside ``module``
    content_type: str
    sha256: str | None  # None only for our own files
    replaces: tuple[str, ...] = ()
    inert_urls: tuple[str, ...] = ()
    licence: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.file)

    @property
    def ref(self) -> str:
        """The package-neutral reference our own map code writes: ``asset:<name>/<file>``."""
        return f"asset:{self.name}/{self.file}"

    @property
    def is_text(self) -> bool:
        return self.content_type.startswith(("text/", "application/javascript"))


JS = "application/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
PNG = "image/png"

_LEAFLET = dict(
    name="leaflet",
    version="1.9.3",
    package="XStatic-Leaflet",
    module="xstatic.pkg.leaflet",
    licence="BSD-2-Clause",
)
_CLUSTER = dict(
    name="leaflet.markercluster",
    version="1.4.1",
    package="XStatic-Leaflet-MarkerCluster",
    module="xstatic.pkg.leaflet_markercluster",
    licence="MIT",
)


def _folium_links() -> dict[str, str]:
    """The addresses folium itself would load, by file name: what local copies replace.

    Read from folium's own class lists (at import, before anything could add to them),
    so no address is written down here and a folium upgrade cannot slip past unnoticed:
    a link it adds that nothing replaces makes `layers.offline` refuse the page.
    """
    from folium import Map
    from folium.plugins import MarkerCluster

    links = (*Map.default_js, *Map.default_css, *MarkerCluster.default_js,
             *MarkerCluster.default_css)
    return {url.rsplit("/", 1)[-1]: url for _, url in links}


_FOLIUM = _folium_links()


def _own(file: str, content_type: str, inert_urls: tuple[str, ...] = ()) -> Asset:
    return Asset(
        name=OWN,
        file=file,
        version=dist_version(OWN),
        package=OWN,
        module="layers.static",
        path=file,
        content_type=content_type,
        sha256=None,
        inert_urls=inert_urls,
        licence="MIT",
    )


def _leaflet_image(file: str, sha256: str) -> Asset:
    return Asset(
        **_LEAFLET, file=f"images/{file}", path=f"data/images/{file}", content_type=PNG,
        sha256=sha256,
    )


#: The whole set. Leaflet is byte-identical to folium's CDN copy; MarkerCluster is
#: upstream 1.4.1 (PyPI has no 1.1.0, the version folium names), API-compatible
#: with folium's template and exercised by the browser test.
ASSETS: tuple[Asset, ...] = (
    Asset(
        **_LEAFLET, file="leaflet.js", path="data/leaflet.js", content_type=JS,
        sha256="5819285cec137b229c94e1ee5ad73e8b6b84345a4367d60f75fe477fe0fb7b03",
        replaces=(_FOLIUM["leaflet.js"],),
        inert_urls=("http://www.w3.org/2000/svg", "https://leafletjs.com"),
    ),
    Asset(
        **_LEAFLET, file="leaflet.css", path="data/leaflet.css", content_type=CSS,
        sha256="90b693d86392a4779c861b28cf307e7e59c3fb35328c4d8b95f58f814d38c722",
        replaces=(_FOLIUM["leaflet.css"],),
        inert_urls=("https://bugzilla.mozilla.org/show_bug.cgi?id=888319",),
    ),
    _leaflet_image(
        "layers.png", "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6"
    ),
    _leaflet_image(
        "layers-2x.png", "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf"
    ),
    _leaflet_image(
        "marker-icon.png", "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437"
    ),
    _leaflet_image(
        "marker-icon-2x.png", "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528"
    ),
    _leaflet_image(
        "marker-shadow.png", "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da"
    ),
    Asset(
        **_CLUSTER, file="leaflet.markercluster.js", path="data/leaflet.markercluster.js",
        content_type=JS,
        sha256="58be871df61f6c512464e15db0941e63b9491bf1396a2ae3bea6f39e0854cd1c",
        replaces=(_FOLIUM["leaflet.markercluster.js"],),
    ),
    Asset(
        **_CLUSTER, file="MarkerCluster.css", path="data/MarkerCluster.css", content_type=CSS,
        sha256="614dea0a98ff3f4ead74f04918f6b1d1b9ba435c25b5fc23b21a394d1e3e4d87",
        replaces=(_FOLIUM["MarkerCluster.css"],),
    ),
    Asset(
        **_CLUSTER, file="MarkerCluster.Default.css", path="data/MarkerCluster.Default.css",
        content_type=CSS,
        sha256="61258232d98d64dc2a7b1e02130d67421bc5b9bda5994eef70228ff97570c170",
        replaces=(_FOLIUM["MarkerCluster.Default.css"],),
    ),
    _own("map.css", CSS),
    _own("live.css", CSS),
    _own("live.js", JS, inert_urls=("http://www.w3.org/2000/svg",)),  # SVG namespace
    _own("screen.js", JS),
    _own("clusters.js", JS),
    _own("resources.js", JS),
    _own("briefing.js", JS),
    _own("briefing.css", CSS),
    # The analyst page's charts (served only, never inlined): plotly.js 4.1.1 from the
    # plotly 7.1.0 wheel. Its map traces name tile and font servers; the page draws none
    # of them, and its browser test fails on any request that leaves the site.
    Asset(
        name="plotly", file="plotly.min.js", version="7.1", package="plotly",
        module="plotly", path="package_data/plotly.min.js", content_type=JS,
        sha256="3b6e15d45dbb7fca5bd2094291e961ddc5472cd887009e6009a56dab668d721f",
        licence="MIT",
    ),
    _own("analysis.js", JS),
    _own("analysis.css", CSS),
)


@dataclass(frozen=True)
class _Registry:
    by_key: dict[tuple[str, str], Asset] = field(default_factory=dict)
    by_url: dict[str, Asset] = field(default_factory=dict)


@functools.cache
def _registry() -> _Registry:
    reg = _Registry()
    for asset in ASSETS:
        if asset.key in reg.by_key:
            raise AssetError(f"asset {asset.name}/{asset.file} registered twice")
        reg.by_key[asset.key] = asset
        for url in (*asset.replaces, asset.ref):
            reg.by_url[url] = asset
    return reg


def get(name: str, file: str) -> Asset:
    """The registered asset ``name``/``file``; UnknownAsset when there is none."""
    try:
        return _registry().by_key[(name, posixpath.normpath(file))]
    except KeyError:
        raise UnknownAsset(f"{name}/{file}") from None


def for_url(url: str) -> Asset | None:
    """The asset a page reference (CDN URL or ``asset:`` ref) stands for, or None."""
    return _registry().by_url.get(url)


def all_assets() -> tuple[Asset, ...]:
    return ASSETS


def read_bytes(name: str, file: str) -> bytes:
    """The bytes of the registered asset ``name``/``file`` (see `load`)."""
    return load(get(name, file))


@functools.cache
def load(asset: Asset) -> bytes:
    """The file's bytes from its installed package, refused when its hash is not the pin.

    Cached: the files are immutable for the life of the process, and checking the
    hash once per process is what makes serving them cheap.
    """
    try:
        resource = importlib.resources.files(asset.module).joinpath(asset.path)
        data = resource.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise AssetError(
            f"asset {asset.name}/{asset.file}: {asset.path} not found in {asset.module} "
            f"(install {asset.package}; `make install` does)"
        ) from exc
    if asset.sha256 is not None:
        digest = hashlib.sha256(data).hexdigest()
        if digest != asset.sha256:
            raise AssetError(
                f"asset {asset.name}/{asset.file} from {asset.package}: SHA-256 {digest} "
                f"is not the pinned {asset.sha256}; was the package upgraded?"
            )
    return data


def read_text(asset: Asset) -> str:
    return load(asset).decode("utf-8")


@dataclass(frozen=True)
class Served:
    """What an HTTP route returns for one asset: body, type and a strong ETag."""

    body: bytes
    content_type: str
    etag: str


def served(name: str, file: str) -> Served:
    """Body, content type and ETag of ``/assets/<name>/<file>`` for the app's route.

    Raises UnknownAsset (answer 404) for anything not registered, so the route can
    never be used to read other files from the installed packages.
    """
    asset = get(name, file)
    data = load(asset)
    return Served(data, asset.content_type, hashlib.sha256(data).hexdigest()[:32])


def url_path(asset: Asset, prefix: str = "/assets") -> str:
    """The URL path the app serves ``asset`` at, under ``prefix``."""
    return f"{prefix.rstrip('/')}/{asset.name}/{asset.file}"


def sri(asset: Asset) -> str:
    """Subresource-integrity value, so a browser refuses a changed file in served mode."""
    digest = hashlib.sha384(load(asset)).digest()
    return "sha384-" + base64.b64encode(digest).decode("ascii")


def data_uri(asset: Asset) -> str:
    """The file as a ``data:`` URI, for images and fonts inside a single-file page."""
    mime = asset.content_type.split(";")[0]
    encoded = base64.b64encode(load(asset)).decode("ascii")
    return f"data:{mime};base64,{encoded}"


def resolve_relative(base: Asset, reference: str) -> Asset:
    """The asset a relative ``url(...)`` inside ``base`` (a CSS file) points to."""
    folder = posixpath.dirname(base.file)
    return get(base.name, posixpath.normpath(posixpath.join(folder, reference)))


def verify(assets: Iterable[Asset] = ASSETS) -> list[str]:
    """Check every asset is installed and matches its pin; the problems, empty when fine."""
    problems = []
    for asset in assets:
        try:
            load(asset)
        except AssetError as exc:
            problems.append(str(exc))
    return problems


def main() -> int:
    """``python -m layers.assets``: the install step's check that every asset is in place."""
    problems = verify()
    for problem in problems:
        print(problem)
    if not problems:
        total = sum(len(load(a)) for a in ASSETS)
        print(f"{len(ASSETS)} map assets present and matching their pins ({total:,} bytes)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
