package activity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mxauth/mxauth/internal/store"
)

// Defaults of Options.
const (
	// DefaultFlushInterval bounds how long a recorded use waits in memory. It is also the
	// longest time a replayed refresh token can pass for a retry (see the package comment).
	DefaultFlushInterval = 5 * time.Second
	// DefaultBatchSize is how many token IDs one store call carries. A full batch is also
	// flushed at once, without waiting for the next tick.
	DefaultBatchSize = 1000
	// DefaultMaxPending bounds the tokens waiting in memory: about 100 bytes each, so the
	// buffer never holds more than a few megabytes whatever the load.
	DefaultMaxPending = 50_000
	// DefaultShutdownTimeout bounds the last flush when Run stops.
	DefaultShutdownTimeout = 5 * time.Second
)

// Store is where a Buffer writes; store.SessionStore is one. MarkAccessTokensUsed must keep
// the first time of use when a token already has one (the store contract says so), so a
// batch that is written twice, after an error or by two replicas, does no harm.
type Store interface {
	MarkAccessTokensUsed(ctx context.Context, ids []string, t time.Time) error
	// RecordActivity keeps the later of the stored and the given last-active time.
	RecordActivity(ctx context.Context, activity []store.SessionActivity) error
}

// Options configure a Buffer. Zero durations and sizes mean the defaults.
type Options struct {
	Store           Store
	FlushInterval   time.Duration
	BatchSize       int
	MaxPending      int
	ShutdownTimeout time.Duration
	// Logger receives flush failures and drop counts; nil discards them.
	Logger *slog.Logger
}

// Buffer collects token uses in memory and writes them in batches. It is safe for concurrent
// use; AccessTokenUsed never blocks on the database.
type Buffer struct {
	store           Store
	interval        time.Duration
	batchSize       int
	maxPending      int
	shutdownTimeout time.Duration
	log             *slog.Logger

	mu      sync.Mutex
	pending map[string]time.Time // access token ID → earliest time seen in use
	// sessions maps a session ID to the latest activity seen (sessions.go).
	sessions map[string]store.SessionActivity

	dropped atomic.Uint64 // uses not recorded because the buffer was full
	// full asks Run for an early flush; one pending request is enough.
	full chan struct{}
	// flushing serialises flushes, so that a shutdown flush waits for one in progress.
	flushing sync.Mutex
}

// New returns an empty Buffer. Start its Run loop to have it flush on its own.
func New(opts Options) (*Buffer, error) {
	var errs []error
	if opts.Store == nil {
		errs = append(errs, errors.New("activity: Options.Store is required"))
	}
	if opts.FlushInterval < 0 || opts.BatchSize < 0 || opts.MaxPending < 0 || opts.ShutdownTimeout < 0 {
		errs = append(errs, errors.New("activity: negative interval, batch size, pending bound or timeout"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Buffer{
		store:           opts.Store,
		interval:        cmp.Or(opts.FlushInterval, DefaultFlushInterval),
		batchSize:       cmp.Or(opts.BatchSize, DefaultBatchSize),
		maxPending:      cmp.Or(opts.MaxPending, DefaultMaxPending),
		shutdownTimeout: cmp.Or(opts.ShutdownTimeout, DefaultShutdownTimeout),
		log:             log,
		pending:         map[string]time.Time{},
		sessions:        map[string]store.SessionActivity{},
		full:            make(chan struct{}, 1),
	}, nil
}

// FlushInterval is the interval Run flushes at.
func (b *Buffer) FlushInterval() time.Duration { return b.interval }

// AccessTokenUsed records that the access token with this ID was used at t. Call it only for
// tokens whose stored first use is still unset; recording one twice keeps the earlier time.
// When MaxPending tokens are already waiting, a new token is not recorded (see Dropped).
func (b *Buffer) AccessTokenUsed(id string, t time.Time) {
	b.mu.Lock()
	seen, ok := b.pending[id]
	switch {
	case ok:
		if t.Before(seen) {
			b.pending[id] = t
		}
	case len(b.pending) >= b.maxPending:
		b.dropped.Add(1)
	default:
		b.pending[id] = t
	}
	n := len(b.pending)
	b.mu.Unlock()
	if !ok && n == b.batchSize {
		select {
		case b.full <- struct{}{}:
		default:
		}
	}
}

// Pending returns how many tokens wait to be written.
func (b *Buffer) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// Dropped returns how many uses were not recorded because the buffer was full, since New.
func (b *Buffer) Dropped() uint64 { return b.dropped.Load() }

// use is one pending entry.
type use struct {
	id string
	at time.Time
}

// Flush writes every pending use now, at most BatchSize IDs per store call. Uses seen within
// the same second share a call, which records the latest time among them: a stored first use
// is never before the real one and at most a second after it. On an error, the uses not
// written go back into the buffer for the next flush, and the error is returned.
func (b *Buffer) Flush(ctx context.Context) error {
	b.flushing.Lock()
	defer b.flushing.Unlock()
	return errors.Join(b.flushSessions(ctx), b.flushTokenUses(ctx))
}

// flushTokenUses writes the pending first uses of access tokens.
func (b *Buffer) flushTokenUses(ctx context.Context) error {
	b.mu.Lock()
	taken := b.pending
	if len(taken) == 0 {
		b.mu.Unlock()
		return nil
	}
	b.pending = make(map[string]time.Time, min(len(taken), b.maxPending))
	b.mu.Unlock()
	uses := make([]use, 0, len(taken))
	for id, at := range taken {
		uses = append(uses, use{id, at})
	}
	slices.SortFunc(uses, func(x, y use) int { return cmp.Or(x.at.Compare(y.at), cmp.Compare(x.id, y.id)) })

	ids := make([]string, 0, min(len(uses), b.batchSize))
	for start := 0; start < len(uses); {
		second := uses[start].at.Truncate(time.Second)
		end := start
		ids = ids[:0]
		for end < len(uses) && len(ids) < b.batchSize && uses[end].at.Truncate(time.Second).Equal(second) {
			ids = append(ids, uses[end].id)
			end++
		}
		if err := b.store.MarkAccessTokensUsed(ctx, ids, uses[end-1].at); err != nil {
			b.requeue(uses[start:])
			return fmt.Errorf("activity: recording %d access token uses: %w", len(uses)-start, err)
		}
		start = end
	}
	return nil
}

// requeue puts uses that could not be written back, keeping the earlier time of a token seen
// again meanwhile and the bound on pending tokens.
func (b *Buffer) requeue(uses []use) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range uses {
		seen, ok := b.pending[u.id]
		switch {
		case ok:
			if u.at.Before(seen) {
				b.pending[u.id] = u.at
			}
		case len(b.pending) >= b.maxPending:
			b.dropped.Add(1)
		default:
			b.pending[u.id] = u.at
		}
	}
}

// Run flushes every FlushInterval, and at once when a batch fills up, until ctx ends; then it
// flushes a last time, with ShutdownTimeout to finish (ctx's values are kept, its
// cancellation is not), and returns that flush's error. Stop the HTTP servers before ending
// ctx, so the uses of the last requests are in that flush.
func (b *Buffer) Run(ctx context.Context) error {
	ticker := time.NewTicker(b.interval)
	defer ticker.Stop()
	var reportedDrops uint64
	for {
		select {
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.shutdownTimeout)
			err := b.Flush(last)
			cancel()
			if err != nil {
				b.log.Error("recording token activity at shutdown", "err", err, "pending", b.Pending())
			}
			return err
		case <-ticker.C:
		case <-b.full:
		}
		if err := b.Flush(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("recording token activity; will retry at the next flush", "err", err)
		}
		if d := b.Dropped(); d != reportedDrops {
			b.log.Warn("token activity buffer was full; uses were dropped and will be recorded on their next introspection",
				"dropped", d-reportedDrops, "max_pending", b.maxPending)
			reportedDrops = d
		}
	}
}
