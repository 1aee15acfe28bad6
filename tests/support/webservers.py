"""Real web servers on 127.0.0.1 for the integration tests: nginx as the TLS
origin and Debian's squid-openssl as an HTTPS proxy (scripts/test-all
installs both).

Each runs in the foreground as the user running the tests, with its own
configuration, logs and files in a temporary directory, on unprivileged
ports, and is killed and reaped when its ``with`` block ends.  Neither can
bind port 0 and say which port it got, so free ports are found first (the
kernel hands out a port it has not just given away, so the race is small).
"""

import os
import shutil
import socket
import stat
import tempfile
import time

from . import cert, which
from .peers import Peer, PeerError

STARTUP_TIMEOUT = 20.0


def free_port():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def missing():
    """The names of the servers that are not installed."""
    return [name for name, binary in (("nginx", nginx_binary()),
                                      ("squid", squid_binary()))
            if binary is None]


def nginx_binary():
    return which("nginx") or _sbin("nginx")


def squid_binary():
    return which("squid") or _sbin("squid")


def _sbin(name):
    path = os.path.join("/usr/sbin", name)
    return path if os.access(path, os.X_OK) else None


class _Server(object):
    """A server process with a configuration and logs in a temporary
    directory, ready once it accepts TCP connections on its ports."""

    name = None

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sslbio-%s-" % self.name)
        # squid drops privileges when started by root: its user must be
        # able to write logs here and read the keys.
        os.chmod(self.dir, 0o777)
        self.peer = None

    def path(self, name):
        return os.path.join(self.dir, name)

    def copy_cert(self, name):
        target = self.path(name)
        shutil.copy(cert(name), target)
        os.chmod(target, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
        return target

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def read_log(self, name):
        try:
            with open(self.path(name)) as f:
                return f.read()
        except IOError:
            return ""

    def argv(self):
        raise NotImplementedError

    def ports(self):
        raise NotImplementedError

    def __enter__(self):
        self.peer = Peer(self.argv(), name=self.name).start()
        try:
            for port in self.ports():
                self._wait_listening(port)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_listening(self, port):
        deadline = time.time() + STARTUP_TIMEOUT
        while True:
            if self.peer.proc.poll() is not None:
                raise PeerError("%s exited: %s" % (self.name, self.describe()))
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return
            except socket.error:
                if time.time() > deadline:
                    raise PeerError("%s not listening on %d after %.0f s: %s"
                                    % (self.name, port, STARTUP_TIMEOUT,
                                       self.describe()))
                time.sleep(0.05)

    def describe(self):
        return self.peer.output if self.peer else ""

    def __exit__(self, *exc_info):
        if self.peer is not None:
            self.peer.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


NGINX_CONF = """\
daemon off;
master_process off;
error_log {dir}/error.log info;
pid {dir}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    default_type application/octet-stream;
    types {{ text/html html; }}
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_requests 10000;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {dir}/server.pem;
        ssl_certificate_key {dir}/server.key;
        root {root};
        autoindex on;
    }}
    server {{
        listen 127.0.0.1:{mismatch_port} ssl;
        ssl_certificate {dir}/wildcard.pem;
        ssl_certificate_key {dir}/wildcard.key;
        root {root};
    }}
}}
"""


class Nginx(_Server):
    """nginx serving the files of ``root`` over HTTPS: on ``port`` with
    tests/certs/server.pem (CN localhost), on ``mismatch_port`` with
    wildcard.pem (names that never match localhost)."""

    name = "nginx"

    def __init__(self, root):
        _Server.__init__(self)
        self.root = root
        self.port = free_port()
        self.mismatch_port = free_port()
        for name in ("server.pem", "server.key", "wildcard.pem", "wildcard.key"):
            self.copy_cert(name)
        self.write("nginx.conf", NGINX_CONF.format(
            dir=self.dir, root=root, port=self.port,
            mismatch_port=self.mismatch_port))

    def argv(self):
        return [nginx_binary(), "-p", self.dir, "-c", self.path("nginx.conf"),
                "-e", self.path("error.log")]

    def ports(self):
        return [self.port, self.mismatch_port]

    def url(self, path="/", mismatch=False):
        return "https://localhost:%d%s" % (
            self.mismatch_port if mismatch else self.port, path)

    @property
    def access_log(self):
        return self.read_log("access.log")

    def describe(self):
        return _Server.describe(self) + self.read_log("error.log")


SQUID_CONF = """\
http_port 127.0.0.1:{http_port}
https_port 127.0.0.1:{port} tls-cert={dir}/server.pem tls-key={dir}/server.key
https_port 127.0.0.1:{untrusted_port} tls-cert={dir}/untrusted.pem tls-key={dir}/untrusted.key
acl SSL_ports port 1-65535
acl CONNECT method CONNECT
acl forbidden dstdomain forbidden.example
http_access deny forbidden
http_access allow localhost
http_access deny all
cache deny all
cache_mem 8 MB
pid_filename {dir}/squid.pid
access_log stdio:{dir}/access.log
cache_log {dir}/cache.log
cache_store_log none
coredump_dir {dir}
netdb_filename none
shutdown_lifetime 0 seconds
dns_nameservers 127.0.0.1
hosts_file /etc/hosts
"""


class Squid(_Server):
    """squid as an HTTPS proxy: ``port`` with server.pem (trusted by
    tests/certs/ca.pem), ``untrusted_port`` with untrusted.pem (issued by a
    CA nobody trusts).  CONNECT to forbidden.example is refused (403)."""

    name = "squid"

    def __init__(self):
        _Server.__init__(self)
        self.http_port = free_port()
        self.port = free_port()
        self.untrusted_port = free_port()
        for name in ("server.pem", "server.key", "untrusted.pem", "untrusted.key"):
            self.copy_cert(name)
        self.write("squid.conf", SQUID_CONF.format(
            dir=self.dir, http_port=self.http_port, port=self.port,
            untrusted_port=self.untrusted_port))

    def argv(self):
        # -N: foreground, no daemon; -d1: startup problems on stderr.
        return [squid_binary(), "-N", "-d1", "-f", self.path("squid.conf")]

    def ports(self):
        return [self.http_port, self.port, self.untrusted_port]

    def url(self, untrusted=False):
        return "https://localhost:%d" % (
            self.untrusted_port if untrusted else self.port)

    @property
    def access_log(self):
        """squid writes its log lines as requests end; the tests read it
        after the connections are closed."""
        return self.read_log("access.log")

    def describe(self):
        return _Server.describe(self) + self.read_log("cache.log")
