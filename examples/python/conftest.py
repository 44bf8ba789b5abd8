"""pytest fixtures that start cds-memcached-emulator once per session and sign its calls; standard library only.

The emulator is spawned with `serve --port 0 --ready-json`: it prints one JSON line on stdout once its API answers
(url, endpoint, ccsEndpoint, accessKeyId, accessKeySecret, pid, version) and logs on stderr, which goes to a file here.
Set CDS_EMU_BIN to the command that runs it (e.g. "npx cds-memcached-emulator"); by default the package's own bin is
used when this folder sits inside it (a checkout after `npm ci`, or node_modules/cds-memcached-emulator/examples),
else node_modules/.bin/cds-memcached-emulator in this folder or the nearest one above it, else one on PATH.
"""
import base64
import datetime
import hashlib
import hmac
import json
import os
import pathlib
import shlex
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

HERE = pathlib.Path(__file__).resolve().parent
READY_TIMEOUT_S = 60


def emulator_command():
    if os.environ.get("CDS_EMU_BIN"):
        return shlex.split(os.environ["CDS_EMU_BIN"])
    own_bin = HERE.parent.parent / "bin" / "cds-memcached-emulator.js"
    if own_bin.is_file():
        return ["node", str(own_bin)]
    for folder in [HERE, *HERE.parents]:  # examples/ copied into a project that installed the package
        local = folder / "node_modules" / ".bin" / "cds-memcached-emulator"
        if local.exists():
            return [str(local)]
    on_path = shutil.which("cds-memcached-emulator")
    if on_path:
        return [on_path]
    raise RuntimeError("cds-memcached-emulator not found: npm install it, or set CDS_EMU_BIN to the command that runs it")


def read_ready_line(proc, log_path):
    """The first stdout line, read in a thread so that a start that hangs fails after READY_TIMEOUT_S instead."""
    box = {}
    reader = threading.Thread(target=lambda: box.setdefault("line", proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(READY_TIMEOUT_S)
    line = box.get("line", b"")
    if not line:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"emulator did not start (exit {proc.returncode}):\n{log_path.read_text(errors='replace')[-4000:]}")
    return json.loads(line)


class Api:
    """Signs calls as the vendor document says (SignatureVersion 1.0, HMAC-SHA1) and POSTs them with a JSON body."""

    def __init__(self, ready):
        self.ready = ready

    @staticmethod
    def enc(s):
        return urllib.parse.quote(str(s), safe="-_.~")  # RFC 3986, uppercase hex: a space is %20, never +

    def signed_query(self, action):
        q = {"Action": action, "AccessKeyId": self.ready["accessKeyId"], "SignatureMethod": "HMAC-SHA1",
             "SignatureNonce": str(uuid.uuid4()), "SignatureVersion": "1.0", "Version": "2019-08-08",
             "Timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        canonical = "&".join(f"{self.enc(k)}={self.enc(q[k])}" for k in sorted(q))
        string_to_sign = "POST&%2F&" + self.enc(canonical)
        digest = hmac.new(self.ready["accessKeySecret"].encode(), string_to_sign.encode(), hashlib.sha1).digest()
        return canonical + "&Signature=" + self.enc(base64.b64encode(digest).decode())

    def call(self, action, body=None):
        """(HTTP status, envelope); an error answer is returned, not raised: it carries the same JSON envelope."""
        endpoint = self.ready["ccsEndpoint"] if action == "DescribeTask" else self.ready["endpoint"]
        req = urllib.request.Request(f"{endpoint}?{self.signed_query(action)}", method="POST",
                                     data=json.dumps(body or {}).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.status, json.load(res)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def wait_task(self, task_id, timeout_s=60):
        deadline = time.monotonic() + timeout_s
        while True:
            status, answer = self.call("DescribeTask", {"TaskId": task_id})
            assert status == 200, answer
            if answer["Data"]["Status"] in ("FINISH", "ERROR"):
                return answer["Data"]["Status"]
            assert time.monotonic() < deadline, f"task {task_id} still {answer['Data']['Status']} after {timeout_s} s"
            time.sleep(0.2)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """The parsed ready line of an emulator running for the whole session; stopped with SIGTERM at the end."""
    log_path = tmp_path_factory.mktemp("emulator") / "emulator.log"
    args = ["serve", "--port", "0", "--ready-json", "--data", ":memory:", "--backend", "process", "--task-delay-ms", "300"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(emulator_command() + args, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    ready = read_ready_line(proc, log_path)
    yield ready
    proc.send_signal(signal.SIGTERM)  # graceful: the emulator stops every memcached it started, then exits 0
    try:
        code = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert code == 0, f"emulator exited {code}:\n{log_path.read_text(errors='replace')[-4000:]}"


@pytest.fixture
def api(emulator):
    return Api(emulator)
