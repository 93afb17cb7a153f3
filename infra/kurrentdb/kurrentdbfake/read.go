package kurrentdbfake

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Read implements Streams/Read: reads with a count (a stream forwards or
// backwards, $all forwards) and subscriptions to $all.
func (s *Server) Read(req *api.ReadReq, out api.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "read options missing")
	}
	backwards := o.GetReadDirection() == api.ReadReq_Options_Backwards
	if backwards && (o.GetStream() == nil || o.GetSubscription() != nil) {
		return status.Error(codes.Unimplemented, "kurrentdbfake reads backwards only from a stream")
	}
	enc := encoder{stringIDs: o.GetUuidOption().GetString_() != nil}
	if o.GetSubscription() != nil {
		if o.GetAll() == nil {
			return status.Error(codes.Unimplemented, "kurrentdbfake subscribes to $all only")
		}
		f, err := filterOf(o.GetFilter())
		if err != nil {
			return err
		}
		return s.subscribe(o.GetAll(), f, enc, out)
	}
	if o.GetFilter() != nil {
		return status.Error(codes.Unimplemented, "kurrentdbfake filters subscriptions only")
	}
	switch {
	case o.GetStream() != nil:
		return s.readStream(o.GetStream(), o.GetCount(), backwards, enc, out)
	case o.GetAll() != nil:
		return s.readAll(o.GetAll(), o.GetCount(), enc, out)
	}
	return status.Error(codes.InvalidArgument, "read of neither a stream nor $all")
}

// readStream answers a counted stream read, inclusive of its start
// revision: events, or stream_not_found, and nothing else. Backwards, it
// sends newest first from the start (End: the last event; a revision past
// the end: the last event too), as the server does.
func (s *Server) readStream(o *api.ReadReq_Options_StreamOptions, count uint64, backwards bool, enc encoder, out api.Streams_ReadServer) error {
	name := o.GetStreamIdentifier().GetStreamName()
	s.mu.Lock()
	records := s.streams[string(name)]
	s.mu.Unlock()
	if len(records) == 0 {
		return out.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: name}}}})
	}
	last := uint64(len(records) - 1)
	from := uint64(0)
	switch r := o.GetRevisionOption().(type) {
	case *api.ReadReq_Options_StreamOptions_Revision:
		from = r.Revision
	case *api.ReadReq_Options_StreamOptions_End:
		from = last + 1
	}
	if !backwards {
		return sendRecords(out, enc, records, from, count)
	}
	for i := int64(min(from, last)); i >= 0 && count > 0; i, count = i-1, count-1 {
		if err := out.Send(enc.event(records[i])); err != nil {
			return err
		}
	}
	return nil
}

// readAll answers a counted $all read, inclusive of its start position.
func (s *Server) readAll(o *api.ReadReq_Options_AllOptions, count uint64, enc encoder, out api.Streams_ReadServer) error {
	s.mu.Lock()
	records := s.log
	s.mu.Unlock()
	from := uint64(0)
	switch p := o.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		from = uint64(firstAtOrAfter(records, p.Position.GetCommitPosition(), p.Position.GetPreparePosition()))
	case *api.ReadReq_Options_AllOptions_End:
		from = uint64(len(records))
	}
	return sendRecords(out, enc, records, from, count)
}

func sendRecords(out api.Streams_ReadServer, enc encoder, records []*record, from, count uint64) error {
	for i := from; i < uint64(len(records)) && i-from < count; i++ {
		if err := out.Send(enc.event(records[i])); err != nil {
			return err
		}
	}
	return nil
}

// firstAtOrAfter is the index of the first record at or after (commit, prepare).
func firstAtOrAfter(records []*record, commit, prepare uint64) int {
	return sort.Search(len(records), func(i int) bool {
		r := records[i]
		return r.commit > commit || (r.commit == commit && r.prepare >= prepare)
	})
}

// firstAfter is the index of the first record after (commit, prepare).
func firstAfter(records []*record, commit, prepare uint64) int {
	return sort.Search(len(records), func(i int) bool {
		r := records[i]
		return r.commit > commit || (r.commit == commit && r.prepare > prepare)
	})
}

// subscription is a running $all subscription; drop ends it.
type subscription struct {
	once    sync.Once
	dropped chan struct{}
}

func (sub *subscription) drop() { sub.once.Do(func() { close(sub.dropped) }) }

// checkpointEvery is how many events a filtered subscription may pass over
// before it reports a checkpoint (the client's default search window of 32
// times its default multiplier of 1).
const checkpointEvery = 32

// subscribe serves a $all subscription: a confirmation, the events after
// the start (exclusive), checkpoints over filtered-out events, caught_up
// once the history is sent, then live events until the client leaves or
// DropSubscriptions.
func (s *Server) subscribe(o *api.ReadReq_Options_AllOptions, f *filter, enc encoder, out api.Streams_ReadServer) error {
	sub := &subscription{dropped: make(chan struct{})}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.subscriptionsChanged()
	next := 0
	switch p := o.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		next = firstAfter(s.log, p.Position.GetCommitPosition(), p.Position.GetPreparePosition())
	case *api.ReadReq_Options_AllOptions_End:
		next = len(s.log)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.subs, sub)
		s.subscriptionsChanged()
		s.mu.Unlock()
	}()
	confirm := &api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString()}}}
	if err := out.Send(confirm); err != nil {
		return err
	}
	caughtUp := false
	for {
		s.mu.Lock()
		records, grown := s.log, s.grown
		s.mu.Unlock()
		if err := s.sendPass(out, enc, f, sub, records[next:]); err != nil {
			return err
		}
		next = len(records)
		if !caughtUp {
			caughtUp = true
			if err := out.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-grown:
		case <-sub.dropped:
			return errDropped
		case <-out.Context().Done():
			return out.Context().Err()
		}
	}
}

var errDropped = status.Error(codes.Unavailable, "kurrentdbfake: subscription dropped by the server")

// sendPass sends the records that pass the filter, and a checkpoint after
// every checkpointEvery filtered-out ones and at the end of the pass.
func (s *Server) sendPass(out api.Streams_ReadServer, enc encoder, f *filter, sub *subscription, records []*record) error {
	skipped := 0
	for i, r := range records {
		select {
		case <-sub.dropped:
			return errDropped
		default:
		}
		if f.match(r) {
			skipped = 0
			if err := out.Send(enc.event(r)); err != nil {
				return err
			}
			continue
		}
		skipped++
		if skipped == checkpointEvery || (i == len(records)-1) {
			skipped = 0
			if err := out.Send(checkpoint(r)); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkpoint(r *record) *api.ReadResp {
	return &api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{
		CommitPosition: r.commit, PreparePosition: r.prepare}}}
}

// filter is a subscription's server-side filter; nil passes everything.
type filter struct {
	onType   bool
	prefixes []string
	regex    *regexp.Regexp
}

func filterOf(o *api.ReadReq_Options_FilterOptions) (*filter, error) {
	if o == nil {
		return nil, nil
	}
	expr, onType := o.GetStreamIdentifier(), false
	if expr == nil {
		expr, onType = o.GetEventType(), true
	}
	if expr == nil {
		return nil, status.Error(codes.InvalidArgument, "filter without an expression")
	}
	f := &filter{onType: onType, prefixes: expr.GetPrefix()}
	if expr.GetRegex() != "" {
		re, err := regexp.Compile(expr.GetRegex())
		if err != nil {
			return nil, status.Error(codes.InvalidArgument, "filter regex: "+err.Error())
		}
		f.regex = re
	}
	return f, nil
}

func (f *filter) match(r *record) bool {
	if f == nil {
		return true
	}
	subject := r.stream
	if f.onType {
		subject = r.eventType
	}
	if f.regex != nil {
		return f.regex.MatchString(subject)
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}

// encoder renders records as the client asked (structured or string ids).
type encoder struct{ stringIDs bool }

func (e encoder) event(r *record) *api.ReadResp {
	id := &shared.UUID{}
	if e.stringIDs {
		id.Value = &shared.UUID_String_{String_: r.id.String()}
	} else {
		var most, least uint64
		for i := range 8 {
			most = most<<8 | uint64(r.id[i])
			least = least<<8 | uint64(r.id[8+i])
		}
		id.Value = &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
			MostSignificantBits: int64(most), LeastSignificantBits: int64(least)}}
	}
	recorded := &api.ReadResp_ReadEvent_RecordedEvent{
		Id: id, StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
		StreamRevision: r.revision, PreparePosition: r.prepare, CommitPosition: r.commit,
		// "created" is mandatory: the client calls log.Fatalf without it.
		Metadata:       map[string]string{"type": r.eventType, "content-type": r.contentType, "created": strconv.FormatInt(r.created, 10)},
		CustomMetadata: r.metadata, Data: r.data,
	}
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: &api.ReadResp_ReadEvent{
		Event: recorded, Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.commit}}}}
}
