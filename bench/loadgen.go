package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"time"
)

// loadgenFlag, as the bench binary's only argument, makes it a load
// generator (runLoadgen) rather than the bench: the parent re-executes
// itself with it so that the load is made in a process of its own, whose
// CPU is counted against neither server. It is read before flag.Parse, so
// -help does not list it.
const loadgenFlag = "-loadgen"

// loadgenGrace is how long past the end of its load a request may take
// before the load generator gives up on the server rather than hang.
const loadgenGrace = 10 * time.Second

// loadSpec is what a load generator is asked to do: POST Body to URL, with
// Token as bearer, from Clients kept-alive connections, each sending its
// next request when the previous reply has been read, for Duration.
type loadSpec struct {
	URL      string        `json:"url"`
	Token    string        `json:"token"`
	Body     string        `json:"body"`
	Clients  int           `json:"clients"`
	Duration time.Duration `json:"duration"`
}

// loadFigures is what a load generator measured: the replies 200 per
// second over the whole load, their latency percentiles as the clients saw
// them, and the requests that failed (a reply other than 200, or a broken
// connection, which ends that client's load).
type loadFigures struct {
	Requests   int     `json:"requests"` // answered 200
	PerSecond  float64 `json:"per_second"`
	P50        float64 `json:"p50_us"`
	P99        float64 `json:"p99_us"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
}

// exitIfLoadgen runs the load generator and exits when the process was
// started as one (loadgenFlag), and returns otherwise. The bench's main and
// its tests' TestMain call it first.
func exitIfLoadgen() {
	if len(os.Args) != 2 || os.Args[1] != loadgenFlag {
		return
	}
	if err := runLoadgen(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench -loadgen:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runLoadgen is the load generator's main: a loadSpec as JSON on in, its
// loadFigures as one JSON line on out.
func runLoadgen(in io.Reader, out io.Writer) error {
	var spec loadSpec
	if err := json.NewDecoder(in).Decode(&spec); err != nil {
		return fmt.Errorf("the load spec on stdin: %w", err)
	}
	figures, err := generateLoad(spec)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(figures)
}

// generateLoad dials every client before the clock starts, then drives
// them together until spec.Duration has passed.
func generateLoad(spec loadSpec) (loadFigures, error) {
	if spec.Clients < 1 || spec.Duration <= 0 {
		return loadFigures{}, fmt.Errorf("%d clients for %s: at least one client for a positive duration", spec.Clients, spec.Duration)
	}
	u, err := url.Parse(spec.URL)
	if err != nil {
		return loadFigures{}, err
	}
	clients := make([]*rawClient, spec.Clients)
	for i := range clients {
		if clients[i], err = dialRaw(spec.URL); err != nil {
			return loadFigures{}, fmt.Errorf("dial %s: %w", u.Host, err)
		}
		defer clients[i].conn.Close()
	}
	records := make([]clientRecord, len(clients))
	started := time.Now()
	end := started.Add(spec.Duration)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() { records[i] = drive(c, u.RequestURI(), spec, end) })
	}
	wg.Wait()
	return summarise(records, time.Since(started)), nil
}

// clientRecord is one client's load: the latency of each reply 200, the
// failures and the first of them.
type clientRecord struct {
	latencies []time.Duration
	errors    int
	firstErr  error
}

func (r *clientRecord) fail(err error) {
	r.errors++
	if r.firstErr == nil {
		r.firstErr = err
	}
}

// drive sends requests on c one after another until end. A broken
// connection ends the client's load, since what it would read next is
// unknown.
func drive(c *rawClient, path string, spec loadSpec, end time.Time) clientRecord {
	var r clientRecord
	if err := c.conn.SetDeadline(end.Add(loadgenGrace)); err != nil {
		r.fail(err)
		return r
	}
	for time.Now().Before(end) {
		sent := time.Now()
		status, err := c.post(path, spec.Token, spec.Body)
		switch {
		case err != nil:
			r.fail(err)
			return r
		case status != http.StatusOK:
			r.fail(fmt.Errorf("POST %s: status %d", path, status))
		default:
			r.latencies = append(r.latencies, time.Since(sent))
		}
	}
	return r
}

// summarise adds the clients' records up over elapsed.
func summarise(records []clientRecord, elapsed time.Duration) loadFigures {
	var f loadFigures
	var all []time.Duration
	for _, r := range records {
		all = append(all, r.latencies...)
		f.Errors += r.errors
		if r.firstErr != nil && f.FirstError == "" {
			f.FirstError = r.firstErr.Error()
		}
	}
	f.Requests, f.PerSecond = len(all), float64(len(all))/elapsed.Seconds()
	if len(all) > 0 {
		f.P50, f.P99 = quantile(all, 0.50), quantile(all, 0.99)
	}
	return f
}

// driveLoad runs spec in a load generator of its own: this binary,
// re-executed with loadgenFlag. Any failed request fails the measurement:
// figures of refusals would measure nothing worth knowing.
func driveLoad(ctx context.Context, spec loadSpec) (loadFigures, error) {
	self, err := os.Executable()
	if err != nil {
		return loadFigures{}, fmt.Errorf("the bench binary, to run the load generator: %w", err)
	}
	in, err := json.Marshal(spec)
	if err != nil {
		return loadFigures{}, err
	}
	cmd := exec.CommandContext(ctx, self, loadgenFlag)
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stderr = bytes.NewReader(in), &stderr
	out, err := cmd.Output()
	if err != nil {
		return loadFigures{}, fmt.Errorf("load generator: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	f, err := parseFigures(out)
	if err == nil && f.Errors > 0 {
		err = fmt.Errorf("%d failed request(s) of %d, the first: %s", f.Errors, f.Errors+f.Requests, f.FirstError)
	}
	return f, err
}

// parseFigures reads the load generator's output: one JSON line of
// loadFigures, nothing more.
func parseFigures(out []byte) (loadFigures, error) {
	var f loadFigures
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return loadFigures{}, fmt.Errorf("the load generator's figures %q: %w", out, err)
	}
	if dec.More() {
		return loadFigures{}, fmt.Errorf("the load generator's figures %q: more than one line", out)
	}
	if f.Requests == 0 && f.Errors == 0 {
		return loadFigures{}, errors.New("the load generator sent no request")
	}
	return f, nil
}
