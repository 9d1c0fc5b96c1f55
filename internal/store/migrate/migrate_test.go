package migrate

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func file(content string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(content)} }

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []Migration
		wantErr []string // substrings the error must contain; nil means success
	}{
		{
			name: "sorted numerically",
			files: fstest.MapFS{
				"m/0002_b.sql": file("B"),
				"m/0010_j.sql": file("J"),
				"m/0001_a.sql": file("A"),
				"m/0003_c.sql": file("C"), "m/0004_d.sql": file("D"), "m/0005_e.sql": file("E"),
				"m/0006_f.sql": file("F"), "m/0007_g.sql": file("G"), "m/0008_h.sql": file("H"),
				"m/0009_i.sql": file("I"),
			},
			want: []Migration{
				{1, "a", "A"}, {2, "b", "B"}, {3, "c", "C"}, {4, "d", "D"}, {5, "e", "E"},
				{6, "f", "F"}, {7, "g", "G"}, {8, "h", "H"}, {9, "i", "I"}, {10, "j", "J"},
			},
		},
		{
			name:  "description with digits and underscores",
			files: fstest.MapFS{"m/0001_signing_keys_v2.sql": file("CREATE TABLE x (y INT);")},
			want:  []Migration{{1, "signing_keys_v2", "CREATE TABLE x (y INT);"}},
		},
		{
			name:    "duplicate version",
			files:   fstest.MapFS{"m/0001_a.sql": file("A"), "m/0001_b.sql": file("B")},
			wantErr: []string{"duplicate version 0001", "0001_a", "0001_b"},
		},
		{
			name:    "gap",
			files:   fstest.MapFS{"m/0001_a.sql": file("A"), "m/0003_c.sql": file("C")},
			wantErr: []string{"version gap", "expected 0002", "0003_c"},
		},
		{
			name:    "does not start at 1",
			files:   fstest.MapFS{"m/0002_b.sql": file("B")},
			wantErr: []string{"expected 0001"},
		},
		{
			name:    "version zero",
			files:   fstest.MapFS{"m/0000_zero.sql": file("Z"), "m/0001_a.sql": file("A")},
			wantErr: []string{"expected 0001", "0000_zero"},
		},
		{
			name:    "three-digit version",
			files:   fstest.MapFS{"m/001_a.sql": file("A")},
			wantErr: []string{`bad file name "001_a.sql"`},
		},
		{
			name:    "no description",
			files:   fstest.MapFS{"m/0001.sql": file("A")},
			wantErr: []string{`bad file name "0001.sql"`},
		},
		{
			name:    "upper-case description",
			files:   fstest.MapFS{"m/0001_Keys.sql": file("A")},
			wantErr: []string{`bad file name "0001_Keys.sql"`},
		},
		{
			name:    "wrong extension",
			files:   fstest.MapFS{"m/0001_a.txt": file("A")},
			wantErr: []string{`bad file name "0001_a.txt"`},
		},
		{
			name:    "every bad file is named",
			files:   fstest.MapFS{"m/README": file("x"), "m/0001_a.sql.bak": file("A")},
			wantErr: []string{`"README"`, `"0001_a.sql.bak"`},
		},
		{
			name:    "subdirectory",
			files:   fstest.MapFS{"m/0001_a.sql": file("A"), "m/old/0001_a.sql": file("A")},
			wantErr: []string{"old is a directory"},
		},
		{
			name:    "empty file",
			files:   fstest.MapFS{"m/0001_a.sql": file(" \n\t")},
			wantErr: []string{"0001_a.sql is empty"},
		},
		{
			name:    "no files",
			files:   fstest.MapFS{"m": &fstest.MapFile{Mode: fs.ModeDir | 0o755}},
			wantErr: []string{"no migrations"},
		},
		{
			name:    "missing directory",
			files:   fstest.MapFS{"other/0001_a.sql": file("A")},
			wantErr: []string{"read m"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.files, "m")
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Parse (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse = %v, want an error containing %q", got, tt.wantErr)
			}
			for _, sub := range tt.wantErr {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("Parse error %q does not contain %q", err, sub)
				}
			}
		})
	}
}

func TestLatest(t *testing.T) {
	t.Parallel()
	if got := Latest(nil); got != 0 {
		t.Errorf("Latest(nil) = %d, want 0", got)
	}
	if got := Latest([]Migration{{Version: 1}, {Version: 3}, {Version: 2}}); got != 3 {
		t.Errorf("Latest = %d, want 3", got)
	}
}

// recordingTarget is an in-memory Target that logs every call. The runner's job is the order
// and selection of calls, which is what it lets the tests see; the backends' own tests run
// Run against real databases.
type recordingTarget struct {
	applied   int
	lockErr   error
	appliedEr error
	failOn    int // Apply of this version fails
	unlockErr error
	calls     []string
}

func (r *recordingTarget) Lock(context.Context) (func() error, error) {
	r.calls = append(r.calls, "lock")
	if r.lockErr != nil {
		return nil, r.lockErr
	}
	return func() error {
		r.calls = append(r.calls, "unlock")
		return r.unlockErr
	}, nil
}

func (r *recordingTarget) Applied(context.Context) (int, error) {
	r.calls = append(r.calls, "applied")
	return r.applied, r.appliedEr
}

func (r *recordingTarget) Apply(_ context.Context, m Migration) error {
	r.calls = append(r.calls, "apply "+m.String())
	if m.Version == r.failOn {
		return errors.New("boom")
	}
	r.applied = m.Version
	return nil
}

func TestRun(t *testing.T) {
	t.Parallel()
	three := []Migration{{1, "a", "A"}, {2, "b", "B"}, {3, "c", "C"}}
	errLock, errRead, errUnlock := errors.New("lock busy"), errors.New("read failed"), errors.New("unlock failed")
	tests := []struct {
		name       string
		target     recordingTarget
		migrations []Migration
		wantCalls  []string
		wantErr    []error
		wantMsg    string
	}{
		{
			name:       "fresh database gets everything in order",
			migrations: three,
			wantCalls:  []string{"lock", "applied", "apply 0001_a", "apply 0002_b", "apply 0003_c", "unlock"},
		},
		{
			name:       "only pending migrations",
			target:     recordingTarget{applied: 2},
			migrations: three,
			wantCalls:  []string{"lock", "applied", "apply 0003_c", "unlock"},
		},
		{
			name:       "up to date does nothing",
			target:     recordingTarget{applied: 3},
			migrations: three,
			wantCalls:  []string{"lock", "applied", "unlock"},
		},
		{
			name:       "database newer than binary",
			target:     recordingTarget{applied: 4},
			migrations: three,
			wantCalls:  []string{"lock", "applied", "unlock"},
			wantErr:    []error{ErrDatabaseNewer},
			wantMsg:    "database is at version 4, this binary knows up to 3",
		},
		{
			name:       "failure stops the run and still unlocks",
			target:     recordingTarget{failOn: 2},
			migrations: three,
			wantCalls:  []string{"lock", "applied", "apply 0001_a", "apply 0002_b", "unlock"},
			wantMsg:    "apply 0002_b: boom",
		},
		{
			name:       "lock failure",
			target:     recordingTarget{lockErr: errLock},
			migrations: three,
			wantCalls:  []string{"lock"},
			wantErr:    []error{errLock},
		},
		{
			name:       "applied failure",
			target:     recordingTarget{appliedEr: errRead},
			migrations: three,
			wantCalls:  []string{"lock", "applied", "unlock"},
			wantErr:    []error{errRead},
		},
		{
			name:       "unlock failure is reported",
			target:     recordingTarget{unlockErr: errUnlock},
			migrations: three[:1],
			wantCalls:  []string{"lock", "applied", "apply 0001_a", "unlock"},
			wantErr:    []error{errUnlock},
		},
		{
			name:       "apply and unlock failures are both reported",
			target:     recordingTarget{failOn: 1, unlockErr: errUnlock},
			migrations: three,
			wantCalls:  []string{"lock", "applied", "apply 0001_a", "unlock"},
			wantErr:    []error{errUnlock},
			wantMsg:    "boom",
		},
		{
			name:       "invalid list is refused before locking",
			migrations: []Migration{{1, "a", "A"}, {3, "c", "C"}},
			wantMsg:    "version gap",
		},
		{
			name:    "empty list is refused",
			wantMsg: "no migrations",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target := tt.target
			err := Run(t.Context(), &target, tt.migrations)
			if diff := cmp.Diff(tt.wantCalls, target.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if tt.wantErr == nil && tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Run succeeded, want an error")
			}
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("Run error %q is not %q", err, want)
				}
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Run error %q does not contain %q", err, tt.wantMsg)
			}
		})
	}
}
