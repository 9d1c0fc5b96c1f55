package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// keyStore implements store.KeyStore.
type keyStore struct{ s *Store }

const signingKeyColumns = `kid, alg, slot, sealed, created_at`

// List returns every key, oldest first; keys created in the same millisecond are ordered by
// kid so the order is stable.
func (ks keyStore) List(ctx context.Context) ([]model.SigningKey, error) {
	rows, err := ks.s.pool.Query(ctx,
		`SELECT `+signingKeyColumns+` FROM signing_keys ORDER BY created_at, kid`)
	if err != nil {
		return nil, mapError("list signing keys", err)
	}
	keys, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.SigningKey, error) {
		return scanSigningKey(row)
	})
	if err != nil {
		return nil, mapError("list signing keys", err)
	}
	return keys, nil
}

// CreateIfAbsent inserts k unless its slot is taken, then reads the slot's holder.
//
// The two statements go in one batch (one round trip) but must stay two statements: a
// single statement (INSERT ... RETURNING combined with a SELECT) reads with the snapshot
// taken when it started, so if the INSERT waited for a concurrent transaction that then
// committed the slot's holder, that statement could not see the holder. In READ COMMITTED
// each statement takes a new snapshot, so the SELECT sees it.
func (ks keyStore) CreateIfAbsent(ctx context.Context, k model.SigningKey) (model.SigningKey, error) {
	const op = "create signing key"
	batch := &pgx.Batch{}
	// ON CONFLICT (slot) turns only a taken slot into "do nothing"; a kid already used by a
	// key in another slot still violates the primary key and becomes store.ErrConflict.
	batch.Queue(`INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (slot) DO NOTHING`,
		k.KID, k.Alg, k.Slot, k.Sealed, toDB(k.CreatedAt))
	batch.Queue(`SELECT `+signingKeyColumns+` FROM signing_keys WHERE slot = $1`, k.Slot)

	results := ks.s.pool.SendBatch(ctx, batch)
	var holder model.SigningKey
	_, err := results.Exec()
	if err == nil {
		holder, err = scanSigningKey(results.QueryRow())
	}
	// Close reports the batch's first error again; keep the first one seen.
	if closeErr := results.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return model.SigningKey{}, mapError(op, err)
	}
	return holder, nil
}

func scanSigningKey(row pgx.Row) (model.SigningKey, error) {
	var k model.SigningKey
	if err := row.Scan(&k.KID, &k.Alg, &k.Slot, &k.Sealed, &k.CreatedAt); err != nil {
		return model.SigningKey{}, err
	}
	k.CreatedAt = fromDB(k.CreatedAt)
	return k, nil
}

// Compile-time check that the aggregate implements its interface.
var _ store.KeyStore = keyStore{}
