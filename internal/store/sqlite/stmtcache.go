package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements for the hot read queries (token lookups run on every
// introspection). Preparing is a large part of a small query's cost in this driver, and a
// *sql.Stmt prepares itself once per pool connection, then reuses the plan.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

// queryRow runs a cached statement. A statement is prepared on first use, so it may name
// tables that only a migration creates; a failed prepare is not cached.
func (c *stmtCache) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	// Let QueryRowContext report the same error through the usual Row.Scan path.
	return c.db.QueryRowContext(ctx, query, args...)
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}

// prepared returns the cached statement for query, preparing it on first use; nil when it
// cannot be prepared (the caller then runs the query unprepared and sees the error).
func (c *stmtCache) prepared(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.stmts[query]
	c.mu.Unlock()
	if ok {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.stmts[query]; ok {
		st.Close()
		return old
	}
	c.stmts[query] = st
	return st
}

// cached returns the statement for query if it is prepared, and otherwise notes that it is
// wanted; prepareWanted prepares the wanted ones later.
func (c *stmtCache) cached(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if c.wanted == nil {
		c.wanted = map[string]bool{}
	}
	c.wanted[query] = true
	return nil
}

// prepareWanted prepares the statements noted by cached. It must run while the caller holds
// no connection of the pool: the writer pool has one connection, which a transaction holds.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	var queries []string
	for q := range c.wanted {
		queries = append(queries, q)
	}
	c.wanted = nil
	c.mu.Unlock()
	for _, q := range queries {
		c.prepared(ctx, q)
	}
}

// writeTx is a write transaction whose statements come from the writer's statement cache.
// The writer pool has one connection, so a statement prepared there is reused by every
// transaction without being prepared again. A statement is never prepared inside the
// transaction (the pool's only connection is busy then): a new one runs unprepared once,
// and is prepared after the transaction ends.
type writeTx struct {
	*sql.Tx
	stmts *stmtCache
	ctx   context.Context
}

// beginWrite starts an IMMEDIATE transaction on the writer connection.
func (s *Store) beginWrite(ctx context.Context) (*writeTx, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &writeTx{Tx: tx, stmts: s.writes, ctx: ctx}, nil
}

// Commit commits, then prepares the statements this transaction ran unprepared.
func (t *writeTx) Commit() error {
	err := t.Tx.Commit()
	t.stmts.prepareWanted(context.WithoutCancel(t.ctx))
	return err
}

func (t *writeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmts.cached(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *writeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmts.cached(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

func (t *writeTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmts.cached(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}
