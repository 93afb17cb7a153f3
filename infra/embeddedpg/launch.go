package embeddedpg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// portAttempts bounds the retries when another process takes the free
	// port between our probe and the server's bind.
	portAttempts = 5
	// readyTimeout bounds the wait for a started server to accept
	// connections (crash recovery of a big cluster can take a while).
	readyTimeout = 60 * time.Second
	// readyInterval is the pause between connection attempts.
	readyInterval = 50 * time.Millisecond
)

// errExited marks a server that died before accepting connections.
var errExited = errors.New("postgres exited before accepting connections")

// freePort asks the kernel for a free 127.0.0.1 port. The port is released
// before postgres binds it, hence the retries in launch. A variable so tests
// can force a port that is in use.
var freePort = func() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch starts postgres and waits until it is ready, retrying on a new
// port when the chosen one was taken in the meantime (never when the
// caller fixed the port).
func (s *Server) launch(ctx context.Context, bins Binaries, a account) error {
	for attempt := 1; ; attempt++ {
		port, err := s.opts.Port, error(nil)
		if port == 0 {
			port, err = freePort()
		}
		if err != nil {
			return fmt.Errorf("embeddedpg: free port: %w", err)
		}
		off := s.markLog("starting postgres on 127.0.0.1:" + strconv.Itoa(port))
		c, err := startChild(s.postgresCmd(bins, a, port))
		if err != nil {
			return fmt.Errorf("embeddedpg: start postgres: %w", err)
		}
		s.port = port
		err = s.awaitReady(ctx, c)
		if err == nil {
			s.proc = c
			return nil
		}
		tail := s.logTail(off)
		if errors.Is(err, errExited) && strings.Contains(tail, "could not create any TCP/IP sockets") && attempt < portAttempts && s.opts.Port == 0 {
			s.log.Info("embeddedpg: port taken, retrying", "port", port)
			continue
		}
		_ = c.stop(context.WithoutCancel(ctx)) // a server that is not ready must not survive
		return fmt.Errorf("embeddedpg: %w%s", err, tail)
	}
}

// postgresCmd runs the server directly, not through pg_ctl (which would
// detach it and defeat Pdeathsig). SIGINT is postgres's fast shutdown.
func (s *Server) postgresCmd(bins Binaries, a account, port int) *exec.Cmd {
	args := []string{"-D", s.dataDir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "port=" + strconv.Itoa(port),
		"-c", "unix_socket_directories=", // no socket files to collide or leak
		"-c", "max_connections=" + strconv.Itoa(s.opts.MaxConnections)}
	if !s.opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
	}
	cmd := exec.Command(bins.Postgres, args...)
	// Setpgid keeps a terminal's Ctrl-C away from the server: our own
	// shutdown decides when it stops, after the caller has drained.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGINT, Setpgid: true}
	s.configure(cmd, a, s.dataDir)
	return cmd
}

// awaitReady polls a connection until the server answers, the child exits,
// ctx ends or readyTimeout passes.
func (s *Server) awaitReady(ctx context.Context, c *child) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	// A connection attempt to a port someone else holds can hang until its
	// own timeout; cancelling it when the child dies ends the wait at once.
	pingCtx, cancelPing := context.WithCancel(ctx)
	defer cancelPing()
	go func() {
		select {
		case <-c.done:
			cancelPing()
		case <-pingCtx.Done():
		}
	}()
	tick := time.NewTicker(readyInterval)
	defer tick.Stop()
	for {
		if s.ping(pingCtx) == nil {
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("%w (%v)", errExited, c.err)
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready on port %d: %w", s.port, ctx.Err())
		case <-tick.C:
		}
	}
}

// pingAttached checks that the server another process started answers,
// with the data folder it serves taken from it.
func (s *Server) pingAttached(ctx context.Context) (err error) {
	s.dataDir, err = s.servedData(ctx)
	return err
}

// ping connects to the postgres database and checks that the server is
// ours: should another process have grabbed the port, a server that knows
// our random password and serves our data folder cannot be a stranger.
func (s *Server) ping(ctx context.Context) error {
	data, err := s.servedData(ctx)
	if err != nil {
		return err
	}
	if data != s.dataDir {
		return fmt.Errorf("port %d serves %s, not %s", s.port, data, s.dataDir)
	}
	return nil
}

// servedData connects to the postgres database and asks the server which
// data folder it serves.
func (s *Server) servedData(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var data string
	err = conn.QueryRow(ctx, "SELECT current_setting('data_directory')").Scan(&data)
	return data, err
}
