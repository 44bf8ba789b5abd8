package cdsemu

import (
	"bufio"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"
)

// waitTask polls DescribeTask until the task is FINISH or ERROR and returns that status.
func waitTask(t *testing.T, emu *Emulator, taskID int) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		status, env, err := emu.Call("DescribeTask", map[string]any{"TaskId": taskID})
		if err != nil || status != 200 {
			t.Fatalf("DescribeTask %d: HTTP %d %+v %v", taskID, status, env, err)
		}
		var task struct{ Status string }
		_ = json.Unmarshal(env.Data, &task)
		if task.Status == "FINISH" || task.Status == "ERROR" {
			return task.Status
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %d still %s after 60 s", taskID, task.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// memcached sends one text-protocol command and reads until the reply's last line.
func memcached(t *testing.T, addr, command string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(command)); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	var reply strings.Builder
	for {
		line, err := r.ReadString('\n')
		reply.WriteString(line)
		if err != nil || line == "STORED\r\n" || line == "END\r\n" || strings.HasSuffix(line, "ERROR\r\n") {
			return reply.String()
		}
	}
}

func TestReadyLineNamesTheAPI(t *testing.T) {
	emu := Start(t, "--backend", "none")
	if emu.Endpoint != emu.URL+"/memcached" || emu.CcsEndpoint != emu.URL+"/ccs" || emu.Pid <= 0 {
		t.Fatalf("unexpected ready line: %+v", emu)
	}
	emu.AccessKeySecret = "not-the-secret"
	status, env, err := emu.Call("MemcachedInstanceList", map[string]any{})
	if err != nil || status != 401 || env.Code != "SignatureDoesNotMatch" {
		t.Fatalf("a wrong secret: HTTP %d %+v %v, want 401 SignatureDoesNotMatch", status, env, err)
	}
}

func TestCreateUseAndDeleteAnInstance(t *testing.T) {
	emu := Start(t, "--backend", "process", "--task-delay-ms", "300")

	status, env, err := emu.Call("CreateMemcachedInstance", map[string]any{
		"RegionId": "CN_Beijing_H", "VdcId": "a58052bf-3bfc-4d0c-a3a5-0bcca72589f5",
		"PipeId": "48de2f3c-b3df-11ec-8bed-e6717c813be8", "ConfSize": "1G", "InstanceName": "go-test-cache",
	})
	if err != nil || status != 200 || env.Code != "Success" {
		t.Fatalf("create: HTTP %d %+v %v", status, env, err)
	}
	var created struct {
		InstanceIds []string
		TaskIds     []int
	}
	_ = json.Unmarshal(env.Data, &created)
	id := created.InstanceIds[0]
	if s := waitTask(t, emu, created.TaskIds[0]); s != "FINISH" {
		t.Fatalf("create task ended %s", s)
	}

	status, env, err = emu.Call("DescribeMemcachedInstance", map[string]any{"InstanceId": id})
	var detail struct{ Status, Address, Port string }
	if err == nil {
		_ = json.Unmarshal(env.Data, &detail)
	}
	if err != nil || status != 200 || detail.Status != "running" {
		t.Fatalf("describe: HTTP %d %+v %v", status, env, err)
	}

	// With the process backend the instance is a real memcached on a loopback address of its own.
	if ip := net.ParseIP(detail.Address); ip == nil || !ip.IsLoopback() {
		t.Fatalf("refusing to connect to %q: not a loopback address", detail.Address)
	}
	addr := net.JoinHostPort(detail.Address, detail.Port)
	if got := memcached(t, addr, "set greeting 0 0 5\r\nhello\r\n"); got != "STORED\r\n" {
		t.Fatalf("set: %q", got)
	}
	if got := memcached(t, addr, "get greeting\r\n"); got != "VALUE greeting 0 5\r\nhello\r\nEND\r\n" {
		t.Fatalf("get: %q", got)
	}

	status, env, err = emu.Call("DeleteMemcachedInstance", map[string]any{"InstanceId": id})
	if err != nil || status != 200 || env.Code != "Success" {
		t.Fatalf("delete: HTTP %d %+v %v", status, env, err)
	}
	var deleted struct{ TaskId int }
	_ = json.Unmarshal(env.Data, &deleted)
	if s := waitTask(t, emu, deleted.TaskId); s != "FINISH" {
		t.Fatalf("delete task ended %s", s)
	}
	status, env, err = emu.Call("DescribeMemcachedInstance", map[string]any{"InstanceId": id})
	if err != nil || status != 404 || env.Code != "ResourceNotFound" {
		t.Fatalf("describe after delete: HTTP %d %+v %v, want 404 ResourceNotFound", status, env, err)
	}
}
