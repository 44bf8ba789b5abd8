"""A whole instance lifecycle against the emulator started by conftest.py: create, running, memcached set/get, delete."""
import ipaddress
import socket


def memcached(address, port, command):
    """One text-protocol exchange; reads until the reply's last line (STORED, END, …)."""
    with socket.create_connection((address, port), timeout=10) as s:
        s.sendall(command)
        reply = b""
        while not reply.endswith((b"STORED\r\n", b"END\r\n", b"ERROR\r\n")):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply


def test_ready_line_names_the_api(emulator):
    assert emulator["endpoint"] == emulator["url"] + "/memcached"
    assert emulator["ccsEndpoint"] == emulator["url"] + "/ccs"
    assert emulator["pid"] > 0


def test_create_use_and_delete_an_instance(api):
    status, created = api.call("CreateMemcachedInstance", {
        "RegionId": "CN_Beijing_H", "VdcId": "a58052bf-3bfc-4d0c-a3a5-0bcca72589f5",
        "PipeId": "48de2f3c-b3df-11ec-8bed-e6717c813be8", "ConfSize": "1G", "InstanceName": "pytest-cache"})
    assert (status, created["Code"]) == (200, "Success"), created
    instance_id, task_id = created["Data"]["InstanceIds"][0], created["Data"]["TaskIds"][0]

    assert api.wait_task(task_id) == "FINISH"
    status, detail = api.call("DescribeMemcachedInstance", {"InstanceId": instance_id})
    assert (status, detail["Data"]["Status"]) == (200, "running"), detail

    # With the process backend the instance is a real memcached on a loopback address of its own.
    address, port = detail["Data"]["Address"], int(detail["Data"]["Port"])
    assert ipaddress.ip_address(address).is_loopback, f"refusing to connect to {address}: not loopback"
    assert memcached(address, port, b"set greeting 0 0 5\r\nhello\r\n") == b"STORED\r\n"
    assert memcached(address, port, b"get greeting\r\n") == b"VALUE greeting 0 5\r\nhello\r\nEND\r\n"

    status, deleted = api.call("DeleteMemcachedInstance", {"InstanceId": instance_id})
    assert (status, deleted["Code"]) == (200, "Success"), deleted
    assert api.wait_task(deleted["Data"]["TaskId"]) == "FINISH"
    status, gone = api.call("DescribeMemcachedInstance", {"InstanceId": instance_id})
    assert (status, gone["Code"]) == (404, "ResourceNotFound"), gone


def test_a_bad_signature_is_refused(api):
    api.ready = dict(api.ready, accessKeySecret="not-the-secret")
    status, answer = api.call("MemcachedInstanceList")
    assert (status, answer["Code"]) == (401, "SignatureDoesNotMatch"), answer
