package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ErrDatabaseNewer means the database has migrations applied that this binary does not
// know: it was migrated by a newer release. Running against it could corrupt data the newer
// release relies on, so Run refuses.
var ErrDatabaseNewer = errors.New("migrate: database schema is newer than this binary")

// Migration is one schema change.
type Migration struct {
	// Version is the number from the file name; versions run 1, 2, 3, ...
	Version int
	// Name is the description from the file name, e.g. "signing_keys".
	Name string
	// SQL is the file's content, run as one script.
	SQL string
}

// String returns the migration's file stem, e.g. "0001_signing_keys".
func (m Migration) String() string { return fmt.Sprintf("%04d_%s", m.Version, m.Name) }

// Target is one database as the runner sees it. Backends implement it.
type Target interface {
	// Lock takes a database-wide lock that keeps other processes from migrating at the same
	// time, and returns the function that releases it. Run always calls unlock once, and
	// reports its error.
	Lock(ctx context.Context) (unlock func() error, err error)
	// Applied returns the highest applied version, or 0 when nothing (not even the
	// schema_migrations table) exists yet.
	Applied(ctx context.Context) (int, error)
	// Apply runs m.SQL and records m in schema_migrations in one transaction, so a failed
	// migration leaves neither its changes nor its record behind.
	Apply(ctx context.Context, m Migration) error
}

// Run applies, in order and under t's lock, every migration newer than the database's
// applied version. Applying is idempotent: a second Run finds nothing to do.
func Run(ctx context.Context, t Target, migrations []Migration) (err error) {
	if err := validate(migrations); err != nil {
		return err
	}
	unlock, err := t.Lock(ctx)
	if err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		if uerr := unlock(); uerr != nil {
			err = errors.Join(err, fmt.Errorf("migrate: release lock: %w", uerr))
		}
	}()

	// Read the applied version only once the lock is held: another replica may have
	// migrated while this one waited.
	applied, err := t.Applied(ctx)
	if err != nil {
		return fmt.Errorf("migrate: read applied version: %w", err)
	}
	if latest := Latest(migrations); applied > latest {
		return fmt.Errorf("%w: database is at version %d, this binary knows up to %d",
			ErrDatabaseNewer, applied, latest)
	}
	for _, m := range migrations {
		if m.Version <= applied {
			continue
		}
		if err := t.Apply(ctx, m); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m, err)
		}
	}
	return nil
}

// Latest returns the highest version in ms, or 0 for none.
func Latest(ms []Migration) int {
	latest := 0
	for _, m := range ms {
		latest = max(latest, m.Version)
	}
	return latest
}

// fileName is the one accepted shape: a 4-digit version, an underscore, a lower-case
// description, ".sql".
var fileName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9][a-z0-9_]*)\.sql$`)

// Parse reads every file in dir of fsys as a migration, sorted by version. Every entry must
// be a file named NNNN_description.sql with non-empty content, and the versions must run
// 1, 2, 3, ... with no duplicate and no gap; otherwise Parse returns an error naming every
// offending file, because a silently skipped migration is worse than a failed start.
func Parse(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", dir, err)
	}
	var (
		ms   []Migration
		errs []error
	)
	for _, e := range entries {
		m, err := parseEntry(fsys, dir, e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ms = append(ms, m)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortStableFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	if err := validate(ms); err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, dir)
	}
	return ms, nil
}

func parseEntry(fsys fs.FS, dir string, e fs.DirEntry) (Migration, error) {
	if e.IsDir() {
		return Migration{}, fmt.Errorf("migrate: %s is a directory; migrations are flat files", e.Name())
	}
	match := fileName.FindStringSubmatch(e.Name())
	if match == nil {
		return Migration{}, fmt.Errorf("migrate: bad file name %q: want NNNN_description.sql "+
			"(4-digit version, lower-case letters, digits and underscores)", e.Name())
	}
	version, err := strconv.Atoi(match[1])
	if err != nil {
		// Unreachable given the pattern, but a bad name must never become version 0.
		return Migration{}, fmt.Errorf("migrate: bad version in %q: %w", e.Name(), err)
	}
	content, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
	if err != nil {
		return Migration{}, fmt.Errorf("migrate: read %s: %w", e.Name(), err)
	}
	if strings.TrimSpace(string(content)) == "" {
		return Migration{}, fmt.Errorf("migrate: %s is empty", e.Name())
	}
	return Migration{Version: version, Name: match[2], SQL: string(content)}, nil
}

// validate checks that ms is sorted and its versions are exactly 1..len(ms). Run checks this
// too, so a hand-built list gets the same guarantees as a parsed one. It reports only the
// first mismatch: after it every later version is off by one too, and one clear message
// beats a cascade.
func validate(ms []Migration) error {
	if len(ms) == 0 {
		return errors.New("migrate: no migrations")
	}
	for i, m := range ms {
		if i > 0 && m.Version == ms[i-1].Version {
			return fmt.Errorf("migrate: duplicate version %04d (%s and %s)", m.Version, ms[i-1], m)
		}
		if want := i + 1; m.Version != want {
			return fmt.Errorf("migrate: version gap: expected %04d, found %s", want, m)
		}
	}
	return nil
}
