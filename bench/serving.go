package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster/commands/pause"
)

// servingProcess is `roster serve` in a child process, on a database of
// its own, trusting the bench as a proxy (so logins can come from many
// addresses).
type servingProcess struct {
	cmd    *exec.Cmd
	base   string
	token  string
	client *http.Client
	log    bytes.Buffer
}

func startServe(ctx context.Context, e *env, hashesAtOnce int) (*servingProcess, error) {
	dbURL, err := freshDatabase(ctx, e)
	if err != nil {
		return nil, err
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	p := &servingProcess{base: "http://" + addr, token: rand.Text(),
		client: &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: concurrentLogins}}}
	p.cmd = exec.CommandContext(ctx, e.roster, "serve")
	p.cmd.Env = append(os.Environ(), "ROSTER_DATABASE_URL="+dbURL, "ROSTER_MASTER_KEY="+base64.StdEncoding.EncodeToString(key),
		"ROSTER_OPERATOR_TOKEN="+p.token, "ROSTER_HTTP_ADDR="+addr, "ROSTER_TRUSTED_PROXIES=127.0.0.1", "ROSTER_LOG_LEVEL=warn",
		"ROSTER_PASSWORD_HASHES_AT_ONCE="+strconv.Itoa(hashesAtOnce))
	p.cmd.Stdout, p.cmd.Stderr = &p.log, &p.log
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (make build first): %w", e.roster, err)
	}
	if err := p.waitHealthy(ctx); err != nil {
		p.stop()
		return nil, fmt.Errorf("%w\n%s", err, p.log.String())
	}
	return p, nil
}

func (p *servingProcess) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := p.client.Get(p.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := pause.For(ctx, 50*time.Millisecond); err != nil { // polling a process we cannot be woken by
			return err
		}
	}
	return errors.New("roster serve did not answer /healthz within a minute")
}

// setUp creates tenant bench with 50 users who have passwords, one at a time.
func (p *servingProcess) setUp(ctx context.Context) error {
	tenant := map[string]any{"id": "bench", "name": "Bench", "preset": "strict", "seats": 60,
		"owner": map[string]any{"id": "user0", "email": "user0@bench.example", "name": "User 0", "password": benchPassword(0)}}
	if status, _, err := p.post(ctx, "/v1/tenants", p.token, tenant, ""); err != nil || status != http.StatusCreated {
		return fmt.Errorf("create tenant: %d %v", status, err)
	}
	for i := 1; i < 50; i++ {
		user := map[string]any{"id": fmt.Sprintf("user%d", i), "email": fmt.Sprintf("user%d@bench.example", i), "name": fmt.Sprintf("User %d", i),
			"role": "member", "password": benchPassword(i), "activate": true}
		if status, _, err := p.post(ctx, "/v1/tenants/bench/users", p.token, user, ""); err != nil || status != http.StatusCreated {
			return fmt.Errorf("invite user %d: %d %v", i, status, err)
		}
	}
	return nil
}

// post sends body as JSON, with token and as forwarded from client (none
// if ""), and returns the status and headers.
func (p *servingProcess) post(ctx context.Context, path, token string, body any, client string) (int, http.Header, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+path, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header, nil
}

// peakMiB reads the process's peak resident set size (VmHWM) from /proc.
func (p *servingProcess) peakMiB() (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if value, ok := strings.CutPrefix(lines.Text(), "VmHWM:"); ok {
			kib, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")), 64)
			return kib / 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/<pid>/status")
}

// stop ends the process (SIGINT: it shuts down) and waits for it.
func (p *servingProcess) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	_ = p.cmd.Wait()
}
