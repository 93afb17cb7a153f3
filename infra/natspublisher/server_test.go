package natspublisher_test

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// natsServer is a real NATS server with JetStream, embedded in the test
// process, that can be stopped and started again on the same port and
// store (its streams survive, as on disk they would).
type natsServer struct {
	t      *testing.T
	dir    string
	port   int
	server *server.Server
}

// startNATS starts a NATS server with JetStream on a free local port,
// storing in a folder of the test's; it is shut down when the test ends.
func startNATS(t *testing.T) *natsServer {
	t.Helper()
	n := &natsServer{t: t, dir: t.TempDir(), port: -1}
	n.start()
	t.Cleanup(n.stop)
	return n
}

// URL is where clients reach the server, whether or not it is running.
func (n *natsServer) URL() string {
	return "nats://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(n.port))
}

func (n *natsServer) start() {
	n.t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: n.port, JetStream: true, StoreDir: n.dir,
		NoLog: true, NoSigs: true})
	if err != nil {
		n.t.Fatalf("nats server: %v", err)
	}
	s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		n.t.Fatal("nats server: not ready within 30 s")
	}
	n.server, n.port = s, s.Addr().(*net.TCPAddr).Port
}

// stop shuts the server down (a no-op when it is down), closing every
// client's connection.
func (n *natsServer) stop() {
	if n.server != nil {
		n.server.Shutdown()
		n.server.WaitForShutdown()
		n.server = nil
	}
}

// jetStream connects a client of the test's own.
func (n *natsServer) jetStream() nats.JetStreamContext {
	n.t.Helper()
	conn, err := nats.Connect(n.URL())
	if err != nil {
		n.t.Fatalf("nats connect: %v", err)
	}
	n.t.Cleanup(conn.Close)
	js, err := conn.JetStream()
	if err != nil {
		n.t.Fatal(err)
	}
	return js
}
