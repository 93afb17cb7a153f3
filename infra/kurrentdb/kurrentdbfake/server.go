package kurrentdbfake

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// DefaultMaxAppendSize is KurrentDB's default limit on one append's size.
const DefaultMaxAppendSize = 1 << 20

// Options tunes a Server; the zero value behaves like a default KurrentDB.
type Options struct {
	// MaxAppendSize limits one append (see the package comment); 0 means
	// DefaultMaxAppendSize, as KurrentDB's MaxAppendSize setting.
	MaxAppendSize int
	// Addr is the address to listen on; empty: a free loopback port. A test
	// restarts "the server" by starting a fresh fake on a closed one's Addr.
	Addr string
	// LoseReply, when set, is asked after every append the fake carried out
	// whether its reply is lost: the call then fails with Unavailable, as
	// when the connection breaks after the server appended.
	LoseReply func(stream string) bool
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	api.UnimplementedStreamsServer
	opts     Options
	listener net.Listener
	grpc     *grpc.Server
	served   chan struct{}

	mu      sync.Mutex
	log     []*record            // every event, in log order
	streams map[string][]*record // by stream, in revision order
	ids     map[uuid.UUID]*record
	next    uint64 // log position of the next event
	grown   chan struct{}
	subs    map[*subscription]struct{}
	subsAt  chan struct{} // closed and replaced whenever subs changes
}

// record is one stored event.
type record struct {
	id             uuid.UUID
	stream         string
	revision       uint64
	commit         uint64
	prepare        uint64
	eventType      string
	contentType    string
	created        int64 // .NET ticks since the Unix epoch
	data, metadata []byte
}

// Start listens on a free loopback port and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.MaxAppendSize <= 0 {
		opts.MaxAppendSize = DefaultMaxAppendSize
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	listener, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("kurrentdbfake: listen: %w", err)
	}
	s := &Server{
		opts: opts, listener: listener, served: make(chan struct{}),
		streams: map[string][]*record{}, ids: map[uuid.UUID]*record{},
		next: 1024, grown: make(chan struct{}), subs: map[*subscription]struct{}{}, subsAt: make(chan struct{}),
	}
	s.grpc = grpc.NewServer(
		// The client pings every 10 s, with or without calls in flight;
		// grpc-go's default policy would answer with GOAWAY too_many_pings.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true}),
		grpc.MaxRecvMsgSize(64<<20),
	)
	api.RegisterStreamsServer(s.grpc, s)
	// Unimplemented, as the client expects from servers without the feature
	// list: it then uses the plain Append and Read calls.
	serverfeatures.RegisterServerFeaturesServer(s.grpc, serverfeatures.UnimplementedServerFeaturesServer{})
	go func() {
		defer close(s.served)
		_ = s.grpc.Serve(listener)
	}()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// URL is the connection string for esdb.ParseConnectionString.
func (s *Server) URL() string {
	return "esdb://" + s.listener.Addr().String() + "?tls=false"
}

// Close stops the server, ending every call in flight.
func (s *Server) Close() {
	s.grpc.Stop()
	<-s.served
}

// Subscribers is the number of subscriptions running now.
func (s *Server) Subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// AwaitSubscribers waits until at least n subscriptions run, or ctx ends.
func (s *Server) AwaitSubscribers(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		have, changed := len(s.subs), s.subsAt
		s.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("kurrentdbfake: %d subscriptions running, want %d: %w", have, n, ctx.Err())
		}
	}
}

// DropSubscriptions ends every running subscription from the server side
// (the client sees the call fail with Unavailable) and reports how many.
func (s *Server) DropSubscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.subs)
	for sub := range s.subs {
		sub.drop()
		delete(s.subs, sub) // no longer counted, though its call may still be ending
	}
	if n > 0 {
		s.subscriptionsChanged()
	}
	return n
}

// Len is the number of events stored.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

func (s *Server) subscriptionsChanged() {
	close(s.subsAt)
	s.subsAt = make(chan struct{})
}
