// Package cdsemu starts cds-memcached-emulator for Go tests and signs calls to it; standard library only.
//
// Start spawns `serve --port 0 --ready-json`: the emulator prints one JSON line on stdout once its API answers
// (url, endpoint, ccsEndpoint, accessKeyId, accessKeySecret, pid, version) and logs on stderr, which goes to a file
// in the test's temporary folder. CDS_EMU_BIN sets the command that runs it (e.g. "npx cds-memcached-emulator");
// by default the package's own bin is used when this folder sits inside it (a checkout after `npm ci`, or
// node_modules/cds-memcached-emulator/examples), else node_modules/.bin/cds-memcached-emulator in the current folder
// or the nearest one above it, else one on PATH.
package cdsemu

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ReadyTimeout bounds how long Start waits for the ready line (generous: a loaded CI machine starts Node slowly).
var ReadyTimeout = 60 * time.Second

// Emulator is the emulator's ready line, plus what Start needs to stop it.
type Emulator struct {
	URL             string `json:"url"`
	Endpoint        string `json:"endpoint"`
	CcsEndpoint     string `json:"ccsEndpoint"`
	AccessKeyID     string `json:"accessKeyId"`
	AccessKeySecret string `json:"accessKeySecret"`
	Pid             int    `json:"pid"`
	Version         string `json:"version"`
}

// Start runs an emulator for this test with the given extra flags and stops it with SIGTERM when the test ends.
func Start(t testing.TB, flags ...string) *Emulator {
	t.Helper()
	command, err := emulatorCommand()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "emulator.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	args := append(command[1:], append([]string{"serve", "--port", "0", "--ready-json", "--data", ":memory:"}, flags...)...)
	cmd := exec.Command(command[0], args...)
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %v: %v", command, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(ReadyTimeout):
	}
	emu := &Emulator{}
	if line == "" || json.Unmarshal([]byte(line), emu) != nil {
		_ = cmd.Process.Kill()
		<-exited
		log, _ := os.ReadFile(logPath)
		t.Fatalf("emulator did not start (%q on stdout); its log:\n%s", line, log)
	}
	t.Cleanup(func() {
		// Graceful: the emulator stops every memcached it started, then exits 0.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				log, _ := os.ReadFile(logPath)
				t.Errorf("emulator exited with %v; its log:\n%s", err, log)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("emulator still running 30 s after SIGTERM")
		}
	})
	return emu
}

func emulatorCommand() ([]string, error) {
	if c := strings.Fields(os.Getenv("CDS_EMU_BIN")); len(c) > 0 {
		return c, nil
	}
	// `go test` runs in the package's folder: examples/go of the checkout or of the installed package.
	if own, err := filepath.Abs(filepath.Join("..", "..", "bin", "cds-memcached-emulator.js")); err == nil {
		if _, err := os.Stat(own); err == nil {
			return []string{"node", own}, nil
		}
	}
	// examples/ copied into a project that installed the package: its node_modules is in a folder above.
	for dir, err := os.Getwd(); err == nil; dir = filepath.Dir(dir) {
		local := filepath.Join(dir, "node_modules", ".bin", "cds-memcached-emulator")
		if _, err := os.Stat(local); err == nil {
			return []string{local}, nil
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	if p, err := exec.LookPath("cds-memcached-emulator"); err == nil {
		return []string{p}, nil
	}
	return nil, fmt.Errorf("cds-memcached-emulator not found: npm install it, or set CDS_EMU_BIN to the command that runs it")
}

// Envelope is the answer of every call: Code is "Success" or an error code; Data depends on the action.
type Envelope struct {
	Code    string          `json:"Code"`
	Message string          `json:"Message"`
	Data    json.RawMessage `json:"Data"`
}

// Call signs one action (SignatureVersion 1.0, HMAC-SHA1), POSTs body as JSON, and returns the HTTP status and the
// envelope; an error answer is returned, not turned into an error (it carries the same envelope).
func (e *Emulator) Call(action string, body any) (int, *Envelope, error) {
	endpoint := e.Endpoint
	if action == "DescribeTask" {
		endpoint = e.CcsEndpoint
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	res, err := http.Post(endpoint+"?"+e.signedQuery(action), "application/json", bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	env := &Envelope{}
	if err := json.Unmarshal(raw, env); err != nil {
		return res.StatusCode, nil, fmt.Errorf("%s: answer is not JSON: %q", action, raw)
	}
	return res.StatusCode, env, nil
}

// enc percent-encodes as the signature needs: RFC 3986, uppercase hex, a space as %20 (QueryEscape writes +, and
// escapes a real + as %2B, so every + left is a space).
func enc(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

func (e *Emulator) signedQuery(action string) string {
	q := map[string]string{
		"Action": action, "AccessKeyId": e.AccessKeyID, "SignatureMethod": "HMAC-SHA1", "SignatureNonce": nonce(),
		"SignatureVersion": "1.0", "Version": "2019-08-08", "Timestamp": time.Now().UTC().Format("2006-01-02T15:04:05Z"),
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, k := range names {
		pairs[i] = enc(k) + "=" + enc(q[k])
	}
	canonical := strings.Join(pairs, "&")
	mac := hmac.New(sha1.New, []byte(e.AccessKeySecret))
	mac.Write([]byte("POST&%2F&" + enc(canonical)))
	return canonical + "&Signature=" + enc(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
