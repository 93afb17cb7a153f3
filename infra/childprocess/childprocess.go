// Package childprocess runs a test binary's own entry point again, as a
// process of its own, for tests that SIGKILL it at random points: no
// deferred cleanup, no flush, a transaction or a publish cut wherever it
// is. The entry point is a test function (TestXxxProcess) that does its
// work until it is killed when the environment names what it works on, and
// returns at once otherwise, so that a plain run of the tests skips it.
package childprocess

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// Process is a running entry point: this test binary, run again.
type Process struct {
	cmd    *exec.Cmd
	output bytes.Buffer // its stdout and stderr, read once it has exited
}

// Start runs the entry point test with env ("NAME=value": its database,
// and whatever else it reaches) added to this process's. A test that ends
// (or fails halfway) leaves no child running.
func Start(t testing.TB, test string, env ...string) *Process {
	t.Helper()
	p := &Process{cmd: exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.timeout=3m")}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.output, &p.output
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	return p
}

// Kill SIGKILLs the child and checks it was still running: had it stopped
// by itself, what it runs failed, and the test fails showing its output.
func (p *Process) Kill(t testing.TB) {
	t.Helper()
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	if code := p.cmd.ProcessState.ExitCode(); code != -1 { // -1: ended by the signal
		t.Fatalf("the child process had exited by itself (status %d):\n%s", code, p.output.String())
	}
}

// Output is what the child wrote to stdout and stderr; call it once the
// child has been killed.
func (p *Process) Output() string { return p.output.String() }
