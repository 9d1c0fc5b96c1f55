package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// clientStore implements store.ClientStore. Encoding and the rules each write enforces are
// shared with the SQLite backend (store.ClientRecord); this file is the SQL.
type clientStore struct{ s *Store }

const clientColumns = `id, origin, metadata, secret_hash, metadata_digest, created_at, first_used_at`

// createDynamicAttempts bounds CreateDynamic's retries; see there.
const createDynamicAttempts = 3

// Get returns the client with this ID, or store.ErrNotFound.
func (cs clientStore) Get(ctx context.Context, id string) (model.Client, error) {
	const op = "get client"
	if !store.IsStorableKey(id) {
		return model.Client{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	c, err := scanClient(cs.s.pool.QueryRow(ctx,
		`SELECT `+clientColumns+` FROM oauth_clients WHERE id = $1`, id))
	if err != nil {
		return model.Client{}, mapError(op, err)
	}
	return c, nil
}

// CreateDynamic inserts c unless a dynamic client holds its digest, then reads the holder.
//
// As in keyStore.CreateIfAbsent, the two statements go in one batch but stay two statements,
// so that the SELECT takes a new snapshot (READ COMMITTED) and sees a holder that a
// concurrent transaction committed while the INSERT waited for it. Unlike SQLite's write
// lock, nothing stops DeleteUnusedDynamic from removing that holder between the two
// statements; the next attempt then inserts c.
func (cs clientStore) CreateDynamic(ctx context.Context, c model.Client) (model.Client, bool, error) {
	const op = "create dynamic client"
	rec, err := store.NewDynamicClientRecord(c)
	if err != nil {
		return model.Client{}, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	for attempt := 1; ; attempt++ {
		holder, created, err := cs.insertDynamic(ctx, rec)
		if errors.Is(err, pgx.ErrNoRows) && attempt < createDynamicAttempts {
			continue
		}
		if err != nil {
			return model.Client{}, false, mapError(op, err)
		}
		return holder, created, nil
	}
}

func (cs clientStore) insertDynamic(ctx context.Context, rec store.ClientRecord) (model.Client, bool, error) {
	c := rec.Client
	batch := &pgx.Batch{}
	// The conflict target names the partial unique index (its WHERE must imply the index's),
	// so only a taken digest becomes "do nothing"; a taken ID still violates the primary key
	// and becomes store.ErrConflict.
	// A repeated identical registration refreshes registered_at, so that the unused-client
	// cleanup never deletes a client_id that was just handed out again.
	batch.Queue(`INSERT INTO oauth_clients (`+clientColumns+`, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $6)
		ON CONFLICT (metadata_digest) WHERE origin = 'dynamic' AND metadata_digest IS NOT NULL
		DO UPDATE SET registered_at = GREATEST(oauth_clients.registered_at, excluded.registered_at)`,
		c.ID, string(c.Origin), rec.Metadata, nullBytes(c.SecretHash),
		nullString(c.MetadataDigest), toDB(c.CreatedAt), nullTime(c.FirstUsedAt))
	if c.MetadataDigest != "" {
		batch.Queue(`SELECT `+clientColumns+` FROM oauth_clients
			WHERE origin = 'dynamic' AND metadata_digest = $1`, c.MetadataDigest)
	} else {
		batch.Queue(`SELECT `+clientColumns+` FROM oauth_clients WHERE id = $1`, c.ID)
	}

	results := cs.s.pool.SendBatch(ctx, batch)
	var holder model.Client
	_, err := results.Exec()
	if err == nil {
		holder, err = scanClient(results.QueryRow())
	}
	// Close reports the batch's first error again; keep the first one seen.
	if closeErr := results.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return model.Client{}, false, err
	}
	return holder, holder.ID == c.ID, nil
}

// SyncStatic upserts every static client and deletes the others in one transaction.
func (cs clientStore) SyncStatic(ctx context.Context, clients []model.Client) error {
	const op = "sync static clients"
	recs, err := store.NewStaticClientRecords(clients) // sorted by ID: a fixed lock order
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	err = pgx.BeginFunc(ctx, cs.s.pool, func(tx pgx.Tx) error {
		ids := make([]string, 0, len(recs)) // not nil: pgx sends nil as NULL, and <> ALL(NULL) keeps every row
		for _, rec := range recs {
			c := rec.Client
			// An existing static client keeps its created_at and first_used_at. The DO
			// UPDATE's WHERE makes a dynamic client with this ID a no-op (0 rows), not an
			// overwrite.
			tag, err := tx.Exec(ctx,
				`INSERT INTO oauth_clients (id, origin, metadata, secret_hash, created_at, registered_at)
				 VALUES ($1, 'static', $2, $3, $4, $4)
				 ON CONFLICT (id) DO UPDATE SET metadata = excluded.metadata, secret_hash = excluded.secret_hash
				 WHERE oauth_clients.origin = 'static'`,
				c.ID, rec.Metadata, nullBytes(c.SecretHash), toDB(c.CreatedAt))
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("%w: client ID %q belongs to a dynamic client", store.ErrConflict, c.ID)
			}
			ids = append(ids, c.ID)
		}
		_, err := tx.Exec(ctx,
			`DELETE FROM oauth_clients WHERE origin = 'static' AND id <> ALL($1)`, ids)
		return err
	})
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// List returns the clients of one origin, ordered by ID (byte order: the column's collation
// is "C").
func (cs clientStore) List(ctx context.Context, origin model.ClientOrigin) ([]model.Client, error) {
	const op = "list clients"
	rows, err := cs.s.pool.Query(ctx,
		`SELECT `+clientColumns+` FROM oauth_clients WHERE origin = $1 ORDER BY id`, string(origin))
	if err != nil {
		return nil, mapError(op, err)
	}
	clients, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.Client, error) {
		return scanClient(row)
	})
	if err != nil {
		return nil, mapError(op, err)
	}
	return clients, nil
}

// MarkUsed sets first_used_at unless it is set already.
func (cs clientStore) MarkUsed(ctx context.Context, id string, t time.Time) error {
	const op = "mark client used"
	if !store.IsStorableKey(id) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	if err := store.CheckTimeIsSet("first-use time", t); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	// PostgreSQL counts every row the WHERE matched, also when COALESCE keeps the old value,
	// so 0 rows means no such client.
	tag, err := cs.s.pool.Exec(ctx,
		`UPDATE oauth_clients SET first_used_at = coalesce(first_used_at, $2) WHERE id = $1`,
		id, toDB(t))
	if err != nil {
		return mapError(op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

// DeleteUnusedDynamic deletes up to limit never-used dynamic clients created before cutoff,
// oldest first. PostgreSQL has no DELETE ... LIMIT, hence the subquery.
//
// The outer WHERE repeats "dynamic and never used": if MarkUsed commits after the subquery
// chose a row, PostgreSQL re-checks the outer conditions on the row's new version
// (READ COMMITTED) and skips it, but it does not re-run the subquery.
func (cs clientStore) DeleteUnusedDynamic(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return cs.s.deleteBatch(ctx, "delete unused dynamic clients",
		`DELETE FROM oauth_clients
		 WHERE id IN (SELECT id FROM oauth_clients
		              WHERE origin = 'dynamic' AND first_used_at IS NULL AND registered_at < $1
		                AND NOT EXISTS (SELECT 1 FROM oauth2_sessions s WHERE s.client_id = oauth_clients.id)
		              ORDER BY registered_at LIMIT $2)
		   AND origin = 'dynamic' AND first_used_at IS NULL AND registered_at < $1`,
		cutoff, limit)
}

func scanClient(row pgx.Row) (model.Client, error) {
	var (
		c         model.Client
		origin    string
		doc       []byte
		digest    *string
		firstUsed *time.Time
	)
	err := row.Scan(&c.ID, &origin, &doc, &c.SecretHash, &digest, &c.CreatedAt, &firstUsed)
	if err != nil {
		return model.Client{}, err
	}
	if c.Metadata, err = store.DecodeClientMetadata(doc); err != nil {
		return model.Client{}, fmt.Errorf("client %q: %w", c.ID, err)
	}
	c.Origin = model.ClientOrigin(origin)
	c.MetadataDigest = stringOrEmpty(digest)
	c.CreatedAt, c.FirstUsedAt = fromDB(c.CreatedAt), optionalTime(firstUsed)
	return c, nil
}

// Compile-time check that the aggregate implements its interface.
var _ store.ClientStore = clientStore{}
