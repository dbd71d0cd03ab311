"""What the PyInstaller bundle holds: data files, hidden imports, exclusions.

``build.spec`` imports this module; so does the fast test that checks the
manifest without building (``tests/deploy/test_build_spec.py``). Everything
here is plain Python over the source tree and the installed packages: nothing
imports mediapipe, dlib or Qt, so listing the manifest takes milliseconds.

Why each entry exists:

- mediapipe 0.10.21 ships its models in the wheel and no PyInstaller hook
  collects them. FaceMesh (``refine_landmarks=True``) runs the face_landmark
  front graph, which loads the short-range face detector and the landmark
  model with attention; the whole ``modules/`` tree (hands, pose, holistic,
  objectron, selfie segmentation...) is ~30 MB the kiosk never loads.
- The embedder (``vision.face_embed``) loads two of
  face_recognition_models' four dlib files, the 5-point aligner and the
  ResNet, from ``face_recognition_models/models`` in the bundle; the 68-point
  predictor (95 MB) and the CNN detector stay out.
- Alembic reads ``backend/migrations`` (env.py, versions/*.py) as files.
- The demo member is scikit-image's astronaut photo; only the PNG travels
  (to ``vision/synth/data/``), not scikit-image and its SciPy stack.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "kiosk"
BUILD_INFO = "BUILD_INFO.json"

# Our packages are imported by name at run time (``kiosk <command>`` loads
# ``cli.commands.<module>`` with importlib), so the analysis cannot see them.
OUR_PACKAGES = ("cli", "bench", "sim", "kiosk", "ui", "drivers", "backend", "vision", "common")
# Build-time tools and tests never run in a tower.
OUR_EXCLUDED = ("backend.tools",)

# mediapipe files FaceMesh and face detection read, relative to the package.
MEDIAPIPE_GLOBS = (
    "modules/face_landmark/*.tflite",
    "modules/face_landmark/*.binarypb",
    "modules/face_detection/*.tflite",
    "modules/face_detection/*.binarypb",
)
FACE_MODELS = (
    "shape_predictor_5_face_landmarks.dat",
    "dlib_face_recognition_resnet_model_v1.dat",
)
ASTRONAUT_DEST = "vision/synth/data"  # beside vision/synth/face.py, which looks there first

# Loaded by name (uvicorn's "auto" loops and protocols, SQLAlchemy dialects,
# Alembic's DDL implementations), so the import graph misses them.
HIDDEN_IMPORTS = (
    "uvicorn.logging",
    "uvicorn.loops.auto",
    "uvicorn.loops.asyncio",
    "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.http.httptools_impl",
    # uvicorn finds these by trying to import them: the bundle must hold them
    # or it silently falls back to the slower pure-Python pair.
    "httptools",
    "uvloop",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
    "uvicorn.lifespan.off",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.sqlite.pysqlite",
    "alembic.ddl.sqlite",
    "alembic.ddl.postgresql",
    "alembic.runtime.migration",
    "alembic.script",
    "pkg_resources",
    # setuptools >= 80 vendors jaraco.context 6, which imports ``backports.tarfile``
    # on Python < 3.12; PyInstaller 6.11 does not follow that import, and then
    # pkg_resources (face_recognition_models needs it) fails in the bundle.
    "setuptools._vendor.backports.tarfile",
    "serial.tools.list_ports",
    "serial.urlhandler.protocol_socket",
    "serial.urlhandler.protocol_loop",
)

# Never needed at run time. mediapipe declares jax & co. (FaceMesh does not
# use them); matplotlib is imported by mediapipe's drawing utilities but only
# its core, never a GUI backend; scikit-image and SciPy only gave the demo
# photo. A run-time module importing one of these fails the manifest test.
EXCLUDES = (
    "tkinter", "_tkinter", "turtle", "idlelib", "pydoc_data",
    "jax", "jaxlib", "tensorflow", "torch", "sentencepiece", "sounddevice",
    "skimage", "scipy", "pandas", "imageio", "tifffile", "lazy_loader", "networkx",
    "IPython", "jupyter", "notebook", "pytest", "_pytest", "hypothesis", "pytestqt",
    "matplotlib.backends.backend_tkagg", "matplotlib.backends.backend_tkcairo",
    "matplotlib.backends.backend_qtagg", "matplotlib.backends.backend_qt",
    "matplotlib.backends.backend_qt5agg", "matplotlib.backends.backend_qtcairo",
    "matplotlib.backends.backend_gtk3agg", "matplotlib.backends.backend_gtk4agg",
    "matplotlib.backends.backend_wxagg", "matplotlib.backends.backend_webagg",
    "matplotlib.backends.backend_nbagg", "matplotlib.backends.backend_macosx",
    "PyInstaller", "import_linter", "importlinter", "ruff",
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtNetwork", "PySide6.QtOpenGL",
    "PySide6.QtSql", "PySide6.QtPdf", "PySide6.QtDesigner",
)

# Qt plugin folders the kiosk uses: offscreen (tests, CI, the bundle check),
# xcb (X11 towers), wayland (newer images), image formats and icon engines.
QT_PLUGIN_GROUPS = ("platforms", "imageformats", "iconengines", "platforminputcontexts",
                    "platformthemes", "xcbglintegrations", "wayland-decoration-client",
                    "wayland-graphics-integration-client", "wayland-shell-integration",
                    "generic", "egldeviceintegrations")
QT_PLATFORMS = ("offscreen", "xcb", "wayland-generic", "wayland-egl", "minimal", "eglfs")
# Parts of the wheels a kiosk never loads; dropped from binaries and datas.
DROP_PREFIXES = (
    "cv2/qt/",  # non-headless OpenCV's own Qt plugins: they fight PySide6
    "cv2/data/",  # Haar cascades: we use FaceMesh
    "PySide6/Qt/qml/", "PySide6/Qt/translations/qtwebengine",
    "PySide6/Qt/plugins/qmltooling/", "PySide6/Qt/plugins/designer/",
    "PySide6/Qt/plugins/sqldrivers/", "PySide6/Qt/plugins/printsupport/",
    "PySide6/Qt/plugins/tls/", "PySide6/Qt/plugins/networkinformation/",
    "PySide6/Qt/plugins/wayland-graphics-integration-server/",
    "matplotlib/mpl-data/sample_data/", "matplotlib/mpl-data/images/",
)


def package_dir(name: str) -> Path:
    """Where an installed package lives, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _dest_of(path: Path, base: Path, prefix: str) -> str:
    return str(Path(prefix) / path.parent.relative_to(base)).replace(os.sep, "/")


def mediapipe_datas() -> list[tuple[str, str]]:
    base = package_dir("mediapipe")
    out: list[tuple[str, str]] = []
    for pattern in MEDIAPIPE_GLOBS:
        for f in sorted(base.glob(pattern)):
            out.append((str(f), _dest_of(f, base, "mediapipe")))
    return out


def face_model_datas() -> list[tuple[str, str]]:
    models = package_dir("face_recognition_models") / "models"
    return [(str(models / name), "face_recognition_models/models") for name in FACE_MODELS]


def astronaut_data() -> list[tuple[str, str]]:
    png = package_dir("skimage") / "data" / "astronaut.png"
    return [(str(png), ASTRONAUT_DEST)]


def project_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """Our own run-time files: assets, migrations, the demo seed."""
    out: list[tuple[str, str]] = []
    skip_suffixes = {".py", ".ts", ".pyc"}  # sources of .qm and font subsets stay home
    for f in sorted((root / "assets").rglob("*")):
        if f.is_file() and f.suffix not in skip_suffixes and "__pycache__" not in f.parts:
            out.append((str(f), _dest_of(f, root, "")))
    migrations = root / "backend" / "migrations"
    for f in sorted(migrations.rglob("*")):
        if f.is_file() and f.suffix in {".py", ".mako", ".ini"} and "__pycache__" not in f.parts:
            out.append((str(f), _dest_of(f, root, "")))
    out.append((str(root / "backend" / "seed_templates.json"), "backend"))
    # The operations console's pages and their CSS/JS (read at import).
    for sub in ("templates", "static"):
        for f in sorted((root / "backend" / "ops" / sub).glob("*")):
            if f.is_file():
                out.append((str(f), _dest_of(f, root, "")))
    return out


def data_files(root: Path = ROOT) -> list[tuple[str, str]]:
    """Every (source file, bundle folder) pair the spec adds to ``datas``."""
    return [*project_datas(root), *mediapipe_datas(), *face_model_datas(), *astronaut_data()]


def keep_entry(dest_name: str) -> bool:
    """Filter for the Analysis' binaries and datas (TOC destination names)."""
    name = dest_name.replace(os.sep, "/")
    if any(name.startswith(p) for p in DROP_PREFIXES):
        return False
    if name.startswith("mediapipe/modules/"):
        # Only what MEDIAPIPE_GLOBS selected (the hooks might add more).
        return name.startswith(("mediapipe/modules/face_landmark/",
                                "mediapipe/modules/face_detection/"))
    if name.startswith("PySide6/Qt/plugins/platforms/"):
        stem = Path(name).name.removeprefix("libq").split(".")[0]
        return stem in QT_PLATFORMS
    if name.startswith("face_recognition_models/models/"):
        return Path(name).name in FACE_MODELS  # were a hook to add the other two
    return True


def build_info(root: Path = ROOT) -> dict[str, object]:
    """Version, commit and build facts written to BUILD_INFO.json in the bundle."""
    version = "unknown"
    init = root / "kiosk" / "__init__.py"
    for line in init.read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__"):
            version = line.split("=", 1)[1].strip().strip("\"'")

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                  timeout=10, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return {
        "name": "tower-kiosk",
        "version": version,
        "commit": commit,
        "dirty": dirty,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "platform": f"{sys.platform}-{platform.machine()}",
        "frozen": True,
    }


def write_build_info(path: Path, root: Path = ROOT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build_info(root), indent=2, sort_keys=True) + "\n",
                    encoding="utf-8")
    return path


def tree_size_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
