"""The example files of deploy/ rendered for a test: the same text, with the production paths,
names and ports replaced by a scratch directory and free loopback ports. Every replacement must
find its target, so an example that changes shape fails here rather than being tested half."""
import os
import re
import shutil
import subprocess
from pathlib import Path

from ..needs import ROOT

DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
CADDY = shutil.which("caddy")
OPENSSL = shutil.which("openssl")
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
SITE = "csti.example.org"
APP_ADDRESS = "127.0.0.1:5000"


def replace(text: str, old: str, new: str, *, regex=False) -> str:
    found = re.search(old, text, flags=re.M) if regex else old in text
    assert found, f"the example no longer holds {old!r}: update tests/deploy/examples.py with it"
    return re.sub(old, new, text, flags=re.M) if regex else text.replace(old, new)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={SITE}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def render_nginx(root: Path, work: Path, *, app_port: int, http_port: int, https_port: int,
                 cert: Path, key: Path) -> Path:
    """deploy/nginx/csti.conf with /srv/csti → root, the upstream on app_port, both servers on
    loopback ports, the certificate given; wrapped in a main nginx.conf whose pid, logs and
    temporary files are in work. Returns that nginx.conf."""
    text = (DEPLOY / "nginx" / "csti.conf").read_text()
    text = replace(text, "/srv/csti/", f"{root}/")
    text = replace(text, f"server {APP_ADDRESS};", f"server 127.0.0.1:{app_port};")
    text = replace(text, r"^\s*listen \[::\]:.*\n", "", regex=True)
    text = replace(text, "listen 80;", f"listen 127.0.0.1:{http_port};")
    text = replace(text, "listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    text = replace(text, f"/etc/letsencrypt/live/{SITE}/fullchain.pem", str(cert))
    text = replace(text, f"/etc/letsencrypt/live/{SITE}/privkey.pem", str(key))
    text = replace(text, "/var/www/html", str(work / "acme"))
    (work / "acme").mkdir(exist_ok=True)
    site = work / "csti.conf"
    site.write_text(text)
    temp = "\n".join(f"    {name}_temp_path {work}/{name};" for name in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # the workers read files in a 0700 tmp dir
    main = work / "nginx.conf"
    main.write_text(f"""{user}worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {work}/access.log;
{temp}
    include {site};
}}
""")
    return main


def render_caddyfile(root: Path, work: Path, *, app_port: int, port: int) -> Path:
    """deploy/Caddyfile served over plain http on a loopback port (no certificate to fetch), the
    admin endpoint off, its storage in work."""
    text = (DEPLOY / "Caddyfile").read_text()
    text = replace(text, "/srv/csti/", f"{root}/")
    text = replace(text, f"reverse_proxy {APP_ADDRESS}", f"reverse_proxy 127.0.0.1:{app_port}")
    text = replace(text, rf"^{re.escape(SITE)} {{$", f"http://{SITE}:{port} {{\n\tbind 127.0.0.1", regex=True)
    glob = f"{{\n\tadmin off\n\tauto_https off\n\tstorage file_system {work}/caddy-data\n}}\n\n"
    path = work / "Caddyfile"
    path.write_text(glob + text)
    return path


def caddy_env(work: Path) -> dict:
    return {**os.environ, "HOME": str(work), "XDG_DATA_HOME": str(work / "xdg-data"),
            "XDG_CONFIG_HOME": str(work / "xdg-config")}
