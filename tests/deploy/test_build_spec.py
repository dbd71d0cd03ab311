"""The bundle manifest without building: build.spec parses, every file it will
collect exists, the models the kiosk loads are in and the ones it never
loads are out, and no run-time module imports something the bundle excludes.
(The real build is ``make bundle-check``: too slow for the suite.)"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import bundle_manifest as bm  # noqa: E402

# Imports of excluded packages that are allowed, and why.
ALLOWED_EXCLUDED_IMPORTS = {
    # Last resort when the astronaut PNG is missing (source checkouts only:
    # the bundle carries the PNG in vision/synth/data/).
    ("vision/synth/face.py", "skimage"),
}
RUNTIME_DIRS = ("kiosk", "ui", "drivers", "backend")
NOT_RUNTIME = ("backend/tools/",)


@pytest.fixture(scope="module")
def datas() -> list[tuple[str, str]]:
    return bm.data_files(ROOT)


def test_spec_parses_and_uses_the_manifest():
    text = (ROOT / "build.spec").read_text(encoding="utf-8")
    compile(text, "build.spec", "exec")
    for needle in ("bm.data_files(ROOT)", "bm.EXCLUDES", "bm.keep_entry", "kiosk_entry.py",
                   "exclude_binaries=True", "COLLECT(", "console=True"):
        assert needle in text, needle
    assert (ROOT / "tools" / "kiosk_entry.py").is_file()


def test_every_collected_file_exists(datas):
    missing = [src for src, _ in datas if not Path(src).is_file()]
    assert missing == []


def _dests(datas) -> set[str]:
    return {f"{dest}/{Path(src).name}" for src, dest in datas}


@pytest.mark.parametrize("needed", [
    # FaceMesh with refine_landmarks=True and its face detector.
    "mediapipe/modules/face_landmark/face_landmark_front_cpu.binarypb",
    "mediapipe/modules/face_landmark/face_landmark_with_attention.tflite",
    "mediapipe/modules/face_landmark/face_landmark.tflite",
    "mediapipe/modules/face_detection/face_detection_short_range.tflite",
    # The two dlib models the embedder loads (vision.face_embed).
    "face_recognition_models/models/shape_predictor_5_face_landmarks.dat",
    "face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat",
    "assets/theme.qss",
    "assets/icons/chevron_down@2x.png",  # the staff drop-downs' arrow (ui/staff/style.py)
    "assets/i18n/kiosk_zh_CN.qm",
    "assets/fonts/NotoSansCJKsc-Regular-subset.otf",
    "assets/fonts/NotoSansCJKsc-Bold-subset.otf",
    "backend/migrations/env.py",
    "backend/migrations/script.py.mako",
    "backend/seed_templates.json",
    "vision/synth/data/astronaut.png",
])
def test_what_the_kiosk_loads_is_collected(datas, needed):
    assert needed in _dests(datas)


def test_every_migration_is_collected(datas):
    versions = sorted(p.name for p in (ROOT / "backend" / "migrations" / "versions").glob("*.py"))
    got = sorted(Path(s).name for s, d in datas if d == "backend/migrations/versions")
    assert versions and got == versions


def test_only_the_face_models_of_mediapipe_travel(datas):
    mp = [(s, d) for s, d in datas if d.startswith("mediapipe/")]
    assert all(d in ("mediapipe/modules/face_landmark", "mediapipe/modules/face_detection")
               for _, d in mp)
    size_mb = sum(Path(s).stat().st_size for s, _ in mp) / 2**20
    assert size_mb < 10  # the whole modules/ tree is ~30 MB


def test_sources_of_generated_assets_stay_home(datas):
    assert not [s for s, d in datas if d.startswith("assets") and s.endswith((".py", ".ts"))]


@pytest.mark.parametrize("dest, kept", [
    ("cv2/qt/plugins/platforms/libqxcb.so", False),
    ("cv2/data/haarcascade_frontalface_default.xml", False),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland-generic.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland-egl.so", True),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
    ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
    ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
    ("PySide6/Qt/qml/QtQuick/libqtquick2plugin.so", False),
    ("mediapipe/modules/face_landmark/face_landmark.tflite", True),
    ("mediapipe/modules/hand_landmark/hand_landmark_full.tflite", False),
    ("mediapipe/modules/pose_landmark/pose_landmark_full.tflite", False),
    ("mediapipe/python/_framework_bindings.cpython-311-x86_64-linux-gnu.so", True),
    ("face_recognition_models/models/shape_predictor_5_face_landmarks.dat", True),
    ("face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat", True),
    ("face_recognition_models/models/shape_predictor_68_face_landmarks.dat", False),
    ("face_recognition_models/models/mmod_human_face_detector.dat", False),
    ("BUILD_INFO.json", True),
])
def test_binary_and_data_filter(dest, kept):
    assert bm.keep_entry(dest) is kept


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _excluded(name: str) -> str | None:
    for ex in bm.EXCLUDES:
        if name == ex or name.startswith(ex + "."):
            return ex
    return None


def test_no_runtime_module_imports_an_excluded_package():
    bad = []
    for folder in RUNTIME_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(NOT_RUNTIME):
                continue
            for name in _imports(path):
                ex = _excluded(name)
                if ex and (rel, ex) not in ALLOWED_EXCLUDED_IMPORTS:
                    bad.append(f"{rel}: {name}")
    assert bad == [], "excluded from the bundle (tools/bundle_manifest.py EXCLUDES)"


def test_hidden_imports_exist():
    missing = [name for name in bm.HIDDEN_IMPORTS if importlib.util.find_spec(name) is None]
    assert missing == []


def test_build_info_names_version_commit_and_python():
    from kiosk import __version__

    info = bm.build_info(ROOT)
    assert info["version"] == __version__ and info["frozen"] is True
    assert len(str(info["commit"])) in (7, 40) or info["commit"] == "unknown"
    assert info["python"].startswith("3.11") and info["built_at"].endswith("Z")


def test_build_info_is_where_self_test_reads_it(tmp_path, monkeypatch):
    from kiosk import selftest

    bm.write_build_info(tmp_path / bm.BUILD_INFO, ROOT)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert selftest.build_info()["version"] == bm.build_info(ROOT)["version"]


def test_the_demo_member_photo_loads_without_scikit_image():
    """The bundle excludes scikit-image: the astronaut must come from the PNG."""
    code = ("import builtins, sys\n"
            "real = builtins.__import__\n"
            "def guarded(name, *a, **k):\n"
            "    if name.split('.')[0] == 'skimage':\n"
            "        raise ImportError('scikit-image is not in the bundle')\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = guarded\n"
            "from vision.synth.face import astronaut_bgr\n"
            "img = astronaut_bgr()\n"
            "assert img.shape == (512, 512, 3) and img.dtype.name == 'uint8', img.shape\n"
            "assert 'skimage' not in [m.split('.')[0] for m in sys.modules if sys.modules[m]]\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_every_run_time_file_the_packages_declare_is_collected(datas):
    """pyproject's package-data names what the code reads at run time; the
    bundle must carry each (the ops console's templates were missing, and the
    packaged backend failed at import)."""
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]
    got = _dests(datas)
    missing = []
    for package, globs in declared.items():
        for pattern in globs:
            if pattern.endswith(".md"):
                continue  # documentation, not read by the code
            for f in sorted((ROOT / package).glob(pattern)):
                if f.is_file() and f.suffix != ".py":
                    rel = f.relative_to(ROOT).as_posix()
                    if rel not in got:
                        missing.append(rel)
    assert not missing, missing
