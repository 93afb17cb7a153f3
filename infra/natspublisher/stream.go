package natspublisher

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
)

// streamSubjects is what the stream captures: every subject of Subject.
const streamSubjects = SubjectPrefix + ".>"

// ensureStream creates the durable stream (file storage, kept by limits)
// that captures streamSubjects with the given duplicate window, or, when it
// exists, sets those two on it and keeps whatever else an operator chose
// (replicas, limits, placement): the publisher owns what its exactly-once
// promise depends on, nothing more.
func ensureStream(js nats.JetStreamContext, name string, window time.Duration) error {
	info, err := js.StreamInfo(name)
	if errors.Is(err, nats.ErrStreamNotFound) {
		_, err = js.AddStream(&nats.StreamConfig{
			Name:        name,
			Description: "Roster's public lifecycle events, CloudEvents 1.0 JSON, on roster.<tenant>.<type>",
			Subjects:    []string{streamSubjects},
			Storage:     nats.FileStorage,
			Retention:   nats.LimitsPolicy,
			Duplicates:  window,
		})
		if err != nil {
			return fmt.Errorf("natspublisher: create stream %s: %w", name, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("natspublisher: look up stream %s: %w", name, err)
	}
	cfg := info.Config
	if slices.Contains(cfg.Subjects, streamSubjects) && cfg.Duplicates == window {
		return nil
	}
	if !slices.Contains(cfg.Subjects, streamSubjects) {
		cfg.Subjects = append(cfg.Subjects, streamSubjects)
	}
	cfg.Duplicates = window
	if _, err := js.UpdateStream(&cfg); err != nil {
		return fmt.Errorf("natspublisher: update stream %s (subjects %s, duplicate window %s): %w", name, streamSubjects, window, err)
	}
	return nil
}
