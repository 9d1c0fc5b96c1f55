package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/token"
)

func TestRegistrationTokenCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "mxauth.yaml")
	if err := os.WriteFile(file, []byte("data_dir: "+dir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, "registration-token", "add", "--uses", "3", "--expires-in", "72h", "--config", file)
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("add printed %q", out)
	}
	secret := lines[0]
	if err := token.Check(secret, token.RegistrationToken); err != nil {
		t.Fatalf("the printed token %q is not a registration token: %v", secret, err)
	}
	id := regexp.MustCompile(`^id (\S+), 0 of 3 used, expires `).FindStringSubmatch(lines[1])
	if id == nil {
		t.Fatalf("add summary %q", lines[1])
	}

	out, _, code = run(t, "registration-token", "add", "--uses", "0", "--config", file)
	if code != 0 || !strings.Contains(out, "0 used, no limit, never expires") {
		t.Fatalf("unlimited add: %d %q", code, out)
	}

	out, _, _ = run(t, "registration-token", "list", "--config", file)
	if strings.Contains(out, secret) {
		t.Fatal("list shows the whole token; only its start is stored")
	}
	if !strings.Contains(out, id[1]) || !strings.Contains(out, secret[:7]+"…") || !strings.Contains(out, "usable") {
		t.Fatalf("list:\n%s", out)
	}

	if out, _, code := run(t, "registration-token", "revoke", id[1], "--config", file); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %q", code, out)
	}
	out, _, _ = run(t, "registration-token", "list", "--config", file)
	if !regexp.MustCompile(id[1] + `\s+\S+\s+revoked`).MatchString(out) {
		t.Fatalf("list after revoke:\n%s", out)
	}
	if _, stderr, code := run(t, "registration-token", "revoke", "01NOSUCHTOKEN0000000000000", "--config", file); code != 1 || !strings.Contains(stderr, "no registration token") {
		t.Fatalf("revoke unknown: %d %q", code, stderr)
	}
	if _, _, code := run(t, "registration-token", "add", "--uses", "-1", "--config", file); code != 2 {
		t.Fatalf("negative uses: exit %d, want 2", code)
	}
}
