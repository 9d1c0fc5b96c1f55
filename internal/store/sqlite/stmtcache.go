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
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

// queryRow runs a cached statement. A statement is prepared on first use, so it may name
// tables that only a migration creates; a failed prepare is not cached.
func (c *stmtCache) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	c.mu.Lock()
	st, ok := c.stmts[query]
	c.mu.Unlock()
	if !ok {
		var err error
		st, err = c.db.PrepareContext(ctx, query)
		if err != nil {
			// Let QueryRowContext report the same error through the usual Row.Scan path.
			return c.db.QueryRowContext(ctx, query, args...)
		}
		c.mu.Lock()
		if old, ok := c.stmts[query]; ok {
			st.Close()
			st = old
		} else {
			c.stmts[query] = st
		}
		c.mu.Unlock()
	}
	return st.QueryRowContext(ctx, args...)
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}
