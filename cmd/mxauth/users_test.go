package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUserCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "mxauth.yaml")
	if err := os.WriteFile(file, []byte("data_dir: "+dir+"\nmatrix:\n  homeserver: example.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		input string
		args  []string
		code  int
		want  string
	}{
		{"", []string{"user", "add", "alice", "--password-file", pwFile, "--admin", "--display-name", "Alice"}, 0, "created @alice:example.org"},
		{"s3cret-bob\n", []string{"user", "add", "bob", "--password-stdin"}, 0, "created @bob:example.org"},
		{"", []string{"user", "add", "alice", "--password-file", pwFile}, 1, `the username "alice" is taken`},
		{"", []string{"user", "add", "Bad Name", "--password-file", pwFile}, 2, "may contain only"},
		{"", []string{"user", "add", "carol"}, 2, "--password-file or --password-stdin"},
		{"\n", []string{"user", "add", "carol", "--password-stdin"}, 1, "the password is empty"},
		{"", []string{"user", "lock", "bob"}, 0, "bob locked"},
		{"", []string{"user", "list"}, 0, "bob"},
		{"", []string{"user", "unlock", "bob"}, 0, "bob unlocked"},
		{"new-pass\n", []string{"user", "set-password", "bob", "--password-stdin"}, 0, "password of bob set"},
		{"", []string{"user", "lock", "nobody"}, 1, `no user "nobody"`},
		{"", []string{"user", "add", "dave", "--password-file", pwFile}, 0, "created @dave:example.org"},
		{"", []string{"user", "deactivate", "dave"}, 0, "dave deactivated (0 sessions ended)"},
		{"", []string{"user", "add", "dave", "--password-file", pwFile}, 1, `the username "dave" is taken`},
	}
	for _, s := range steps {
		out, stderr, code := runWithInput(t, s.input, append(s.args, "--config", file)...)
		if code != s.code || !strings.Contains(out+stderr, s.want) {
			t.Errorf("%v: exit %d (want %d)\nstdout %q\nstderr %q\nwant %q", s.args, code, s.code, out, stderr, s.want)
		}
	}
	out, _, _ := run(t, "user", "list", "--config", file)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "alice") || !strings.Contains(lines[1], "true") || !strings.Contains(lines[2], "active") ||
		!strings.Contains(lines[3], "deactivated") {
		t.Errorf("list:\n%s", out)
	}
}
