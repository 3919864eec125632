"""A non-editable install (a wheel) carries templates/, static/ and migrations/ and finds them."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0 and "hatchling" in (result.stderr + result.stdout):
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr
    [built] = out.glob("commentsvc-*.whl")
    return built


def test_the_wheel_contains_templates_static_and_migrations(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.startswith("commentsvc/migrations/versions/") for name in names)
    assert "commentsvc/migrations/env.py" in names
    for folder in ("templates", "static"):
        source_files = [p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*") if p.is_file()]
        for source in source_files:
            assert f"commentsvc/{source}" in names


def test_the_installed_package_serves_from_its_own_resources(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = (
        "import commentsvc, commentsvc.resources as r, commentsvc.instance as i\n"
        "print(commentsvc.__file__)\n"
        "for name in ('templates', 'static', 'migrations'): print(r.resource_dir(name))\n"
        "settings = {{'COMMENTSVC_INSTANCE_PATH': {!r}, 'COMMENTSVC_SECRET_KEY': 's', 'COMMENTSVC_FORM_MIN_SECONDS': 0}}\n"
        "i.init_instance(settings)\n"
        "app = commentsvc.create_app(settings)\n"
        "print(app.template_folder); print(app.static_folder)\n"
        "client = app.test_client()\n"
        "token = client.post('/api/v1/form-tokens', json={{'article': 'a'}}).get_json()['form_token']\n"
        "print(client.post('/api/v1/comments', json={{'article': 'a', 'body': 'installed', 'form_token': token}})"
        ".status_code)\n"
    ).format(str(tmp_path / "instance"))
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith(str(target)) for line in lines[:6]), lines
    assert lines[-1] == "201"
