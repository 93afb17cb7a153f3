package kurrentdbfake

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Expected revisions as the server encodes them.
const (
	expectNoStream     int64 = -1
	expectAny          int64 = -2
	expectStreamExists int64 = -4
)

// proposed is one event of an append, validated.
type proposed struct {
	id                     uuid.UUID
	eventType, contentType string
	data, metadata         []byte
}

// Append implements the client-streaming Streams/Append call: the options
// first, then one message per event.
func (s *Server) Append(call api.Streams_AppendServer) error {
	first, err := call.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil || opts.GetStreamIdentifier() == nil {
		return status.Error(codes.InvalidArgument, "the first append message must carry the options")
	}
	stream := string(opts.GetStreamIdentifier().GetStreamName())
	expected, err := expectedOf(opts)
	if err != nil {
		return err
	}
	events, err := s.receiveEvents(call)
	if err != nil {
		return err
	}
	resp := s.commit(stream, expected, events)
	if s.opts.LoseReply != nil && s.opts.LoseReply(stream) {
		return status.Error(codes.Unavailable, "kurrentdbfake: the connection broke before the reply")
	}
	return call.SendAndClose(resp)
}

func expectedOf(opts *api.AppendReq_Options) (int64, error) {
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Revision:
		return int64(e.Revision), nil
	case *api.AppendReq_Options_NoStream:
		return expectNoStream, nil
	case *api.AppendReq_Options_Any:
		return expectAny, nil
	case *api.AppendReq_Options_StreamExists:
		return expectStreamExists, nil
	}
	return 0, status.Error(codes.InvalidArgument, "expected stream revision missing")
}

// receiveEvents reads the proposed events up to the end of the call,
// refusing an append bigger than MaxAppendSize as the server does.
func (s *Server) receiveEvents(call api.Streams_AppendServer) ([]proposed, error) {
	var events []proposed
	size := 0
	msg, err := call.Recv()
	for ; !errors.Is(err, io.EOF); msg, err = call.Recv() {
		if err != nil {
			return nil, err
		}
		m := msg.GetProposedMessage()
		if m == nil {
			return nil, status.Error(codes.InvalidArgument, "expected a proposed message")
		}
		p, err := proposedOf(m)
		if err != nil {
			return nil, err
		}
		size += len(p.data) + len(p.metadata) + 2*len(p.eventType)
		if size > s.opts.MaxAppendSize {
			call.SetTrailer(metadata.Pairs("exception", "maximum-append-size-exceeded",
				"maximum-append-size", fmt.Sprint(s.opts.MaxAppendSize)))
			return nil, status.Errorf(codes.InvalidArgument, "Maximum Append Size of %d Exceeded.", s.opts.MaxAppendSize)
		}
		events = append(events, p)
	}
	return events, nil
}

func proposedOf(m *api.AppendReq_ProposedMessage) (proposed, error) {
	id, err := uuidOf(m.GetId())
	if err != nil {
		return proposed{}, err
	}
	eventType, ok := m.GetMetadata()["type"]
	contentType, ok2 := m.GetMetadata()["content-type"]
	if !ok || !ok2 || eventType == "" {
		return proposed{}, status.Error(codes.InvalidArgument, "proposed message without type or content-type metadata")
	}
	return proposed{id: id, eventType: eventType, contentType: contentType, data: m.GetData(), metadata: m.GetCustomMetadata()}, nil
}

func uuidOf(id *shared.UUID) (uuid.UUID, error) {
	if st := id.GetStructured(); st != nil {
		var u uuid.UUID
		for i := range 8 {
			u[i] = byte(uint64(st.MostSignificantBits) >> (56 - 8*i))
			u[8+i] = byte(uint64(st.LeastSignificantBits) >> (56 - 8*i))
		}
		return u, nil
	}
	u, err := uuid.Parse(id.GetString_())
	if err != nil {
		return uuid.Nil, status.Error(codes.InvalidArgument, "event id is not a UUID")
	}
	return u, nil
}

// commit decides and, when it may, stores one append.
func (s *Server) commit(stream string, expected int64, events []proposed) *api.AppendResp {
	s.mu.Lock()
	defer s.mu.Unlock()
	current := int64(len(s.streams[stream])) - 1
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.id
	}
	switch d, last := s.check(stream, expected, current, ids); d {
	case decisionIdempotent:
		r := s.streams[stream][last]
		return success(uint64(last), r.commit)
	case decisionWrongVersion:
		return wrongVersion(expected, current)
	}
	if len(events) == 0 {
		return success(uint64(max(current, 0)), 0)
	}
	tx := s.next
	created := time.Now().UnixNano() / 100
	for _, e := range events {
		r := &record{id: e.id, stream: stream, revision: uint64(len(s.streams[stream])), commit: tx, prepare: s.next,
			eventType: e.eventType, contentType: e.contentType, created: created, data: e.data, metadata: e.metadata}
		s.next += uint64(64 + len(stream) + len(e.eventType) + len(e.data) + len(e.metadata))
		s.log = append(s.log, r)
		s.streams[stream] = append(s.streams[stream], r)
		s.ids[e.id] = r
	}
	close(s.grown)
	s.grown = make(chan struct{})
	return success(s.streams[stream][len(s.streams[stream])-1].revision, tx)
}

type decision int

const (
	decisionOK decision = iota
	decisionIdempotent
	decisionWrongVersion
)

// check is the server's commit check (IndexWriter.CheckCommit): with any
// (or stream_exists) every id must already be in this stream, known from
// earlier writes; with an older revision the ids must sit right after it;
// a batch only partly found is "corrupted idempotency", which the server
// answers as a wrong expected version. For an idempotent batch it returns
// the revision of its last event.
func (s *Server) check(stream string, expected, current int64, ids []uuid.UUID) (decision, int64) {
	if expected == expectStreamExists {
		if current < 0 {
			return decisionWrongVersion, 0
		}
		expected = expectAny
	}
	if expected == expectAny {
		last := int64(-1)
		for i, id := range ids {
			r, ok := s.ids[id]
			if !ok || r.stream != stream {
				if i == 0 {
					return decisionOK, 0
				}
				return decisionWrongVersion, 0
			}
			last = int64(r.revision)
		}
		if last < 0 {
			return decisionOK, 0
		}
		return decisionIdempotent, last
	}
	if expected < current {
		for i, id := range ids {
			rev := expected + 1 + int64(i)
			if rev <= current && s.streams[stream][rev].id == id {
				continue
			}
			return decisionWrongVersion, 0
		}
		return decisionIdempotent, expected + int64(len(ids))
	}
	if expected > current {
		return decisionWrongVersion, 0
	}
	return decisionOK, 0
}

func success(revision, position uint64) *api.AppendResp {
	return &api.AppendResp{Result: &api.AppendResp_Success_{Success: &api.AppendResp_Success{
		CurrentRevisionOption: &api.AppendResp_Success_CurrentRevision{CurrentRevision: revision},
		PositionOption: &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{
			CommitPosition: position, PreparePosition: position}},
	}}}
}

func wrongVersion(expected, current int64) *api.AppendResp {
	w := &api.AppendResp_WrongExpectedVersion{}
	if current < 0 {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
	}
	switch expected {
	case expectAny:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
	case expectNoStream:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
	case expectStreamExists:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
	default:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: uint64(expected)}
	}
	return &api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}
