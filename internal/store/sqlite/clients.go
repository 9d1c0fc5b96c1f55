package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// clientStore implements store.ClientStore. Encoding and the rules each write enforces are
// shared with the PostgreSQL backend (store.ClientRecord); this file is the SQL.
type clientStore struct{ s *Store }

const clientColumns = `id, origin, metadata, secret_hash, metadata_digest, created_at, first_used_at`

// Get returns the client with this ID, or store.ErrNotFound.
func (cs clientStore) Get(ctx context.Context, id string) (model.Client, error) {
	const op = "get client"
	if !store.IsStorableKey(id) {
		return model.Client{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	c, err := scanClient(cs.s.hot.queryRow(ctx,
		`SELECT `+clientColumns+` FROM oauth_clients WHERE id = ?`, id))
	if err != nil {
		return model.Client{}, mapError(op, err)
	}
	return c, nil
}

// CreateDynamic inserts c unless a dynamic client holds its digest, then reads the holder,
// both in one IMMEDIATE transaction so no other writer can come between.
func (cs clientStore) CreateDynamic(ctx context.Context, c model.Client) (model.Client, bool, error) {
	const op = "create dynamic client"
	rec, err := store.NewDynamicClientRecord(c)
	if err != nil {
		return model.Client{}, false, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	c = rec.Client
	tx, err := cs.s.beginWrite(ctx)
	if err != nil {
		return model.Client{}, false, mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	// The conflict target names the partial unique index (its WHERE must imply the index's),
	// so only a taken digest becomes "do nothing"; a taken ID still violates the primary key
	// and becomes store.ErrConflict.
	// A repeated identical registration refreshes registered_at, so that the unused-client
	// cleanup never deletes a client_id that was just handed out again.
	_, err = tx.ExecContext(ctx,
		`INSERT INTO oauth_clients (`+clientColumns+`, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (metadata_digest) WHERE origin = 'dynamic' AND metadata_digest IS NOT NULL
		 DO UPDATE SET registered_at = max(registered_at, excluded.registered_at)`,
		c.ID, string(c.Origin), string(rec.Metadata), nullBytes(c.SecretHash),
		nullString(c.MetadataDigest), c.CreatedAt.UnixMilli(), nullMillis(c.FirstUsedAt), c.CreatedAt.UnixMilli())
	if err != nil {
		return model.Client{}, false, mapError(op, err)
	}
	holderQuery, holderArg := `SELECT `+clientColumns+` FROM oauth_clients WHERE id = ?`, c.ID
	if c.MetadataDigest != "" {
		holderQuery = `SELECT ` + clientColumns + ` FROM oauth_clients
			WHERE origin = 'dynamic' AND metadata_digest = ?`
		holderArg = c.MetadataDigest
	}
	holder, err := scanClient(tx.QueryRowContext(ctx, holderQuery, holderArg))
	if err != nil {
		return model.Client{}, false, mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return model.Client{}, false, mapError(op, err)
	}
	return holder, holder.ID == c.ID, nil
}

// SyncStatic upserts every static client and deletes the others in one IMMEDIATE
// transaction; returning before Commit rolls back everything.
func (cs clientStore) SyncStatic(ctx context.Context, clients []model.Client) error {
	const op = "sync static clients"
	recs, err := store.NewStaticClientRecords(clients)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	tx, err := cs.s.beginWrite(ctx)
	if err != nil {
		return mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	ids := make([]string, 0, len(recs)) // not nil: json_each('null') would keep every row
	for _, rec := range recs {
		c := rec.Client
		// An existing static client keeps its created_at and first_used_at. The DO UPDATE's
		// WHERE makes a dynamic client with this ID a no-op (0 rows), not an overwrite.
		res, err := tx.ExecContext(ctx,
			`INSERT INTO oauth_clients (id, origin, metadata, secret_hash, created_at, registered_at)
			 VALUES (?, 'static', ?, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET metadata = excluded.metadata, secret_hash = excluded.secret_hash
			 WHERE oauth_clients.origin = 'static'`,
			c.ID, string(rec.Metadata), nullBytes(c.SecretHash), c.CreatedAt.UnixMilli(), c.CreatedAt.UnixMilli())
		if err != nil {
			return mapError(op, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return mapError(op, err)
		} else if n == 0 {
			return fmt.Errorf("sqlite: %s: %w: client ID %q belongs to a dynamic client", op, store.ErrConflict, c.ID)
		}
		ids = append(ids, c.ID)
	}
	keep, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	// json_each binds the whole list as one parameter, whatever its length.
	_, err = tx.ExecContext(ctx,
		`DELETE FROM oauth_clients
		 WHERE origin = 'static' AND id NOT IN (SELECT value FROM json_each(?))`, string(keep))
	if err != nil {
		return mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return mapError(op, err)
	}
	return nil
}

// List returns the clients of one origin, ordered by ID (byte order).
func (cs clientStore) List(ctx context.Context, origin model.ClientOrigin) ([]model.Client, error) {
	const op = "list clients"
	rows, err := cs.s.reader.QueryContext(ctx,
		`SELECT `+clientColumns+` FROM oauth_clients WHERE origin = ? ORDER BY id`, string(origin))
	if err != nil {
		return nil, mapError(op, err)
	}
	clients, err := collectRows(rows, scanClient)
	if err != nil {
		return nil, mapError(op, err)
	}
	return clients, nil
}

// MarkUsed sets first_used_at unless it is set already.
func (cs clientStore) MarkUsed(ctx context.Context, id string, t time.Time) error {
	const op = "mark client used"
	if !store.IsStorableKey(id) {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	if err := store.CheckTimeIsSet("first-use time", t); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	// SQLite counts a row the WHERE matched as changed even when COALESCE keeps the old
	// value, so 0 rows means no such client.
	res, err := cs.s.writer.ExecContext(ctx,
		`UPDATE oauth_clients SET first_used_at = coalesce(first_used_at, ?) WHERE id = ?`,
		t.UnixMilli(), id)
	if err != nil {
		return mapError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapError(op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

// DeleteUnusedDynamic deletes up to limit never-used dynamic clients created before cutoff,
// oldest first. SQLite has DELETE ... LIMIT only in builds with
// SQLITE_ENABLE_UPDATE_DELETE_LIMIT, so the LIMIT is in a subquery.
func (cs clientStore) DeleteUnusedDynamic(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return cs.s.deleteBatch(ctx, "delete unused dynamic clients",
		`DELETE FROM oauth_clients
		 WHERE id IN (SELECT id FROM oauth_clients
		              WHERE origin = 'dynamic' AND first_used_at IS NULL AND registered_at < ?
		                AND NOT EXISTS (SELECT 1 FROM oauth2_sessions s WHERE s.client_id = oauth_clients.id)
		              ORDER BY registered_at LIMIT ?)`,
		cutoff, limit)
}

func scanClient(row scanner) (model.Client, error) {
	var (
		c         model.Client
		origin    string
		doc       string
		digest    sql.NullString
		createdAt int64
		firstUsed optionalMillis
	)
	err := row.Scan(&c.ID, &origin, &doc, &c.SecretHash, &digest, &createdAt, &firstUsed)
	if err != nil {
		return model.Client{}, err
	}
	if c.Metadata, err = store.DecodeClientMetadata([]byte(doc)); err != nil {
		return model.Client{}, fmt.Errorf("client %q: %w", c.ID, err)
	}
	c.Origin = model.ClientOrigin(origin)
	c.MetadataDigest = digest.String
	c.CreatedAt, c.FirstUsedAt = fromUnixMilli(createdAt), firstUsed.Time()
	return c, nil
}

// Compile-time check that the aggregate implements its interface.
var _ store.ClientStore = clientStore{}
