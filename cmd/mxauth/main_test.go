package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/app"
	"github.com/mxauth/mxauth/internal/config"
)

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runWithInput(t, "", args...)
}

func runWithInput(t *testing.T, input string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errw bytes.Buffer
	cmd := newRootCommand(strings.NewReader(input), &out, &errw)
	cmd.SetArgs(args)
	err := cmd.Execute()
	switch {
	case err == nil:
		code = 0
	default:
		code = 1
		var ee exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		errw.WriteString(err.Error())
	}
	return out.String(), errw.String(), code
}

func TestBadConfigExitsTwoAndCreatesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "mxauth.yaml")
	if err := os.WriteFile(file, []byte("http:\n  listen: [\"127.0.0.1:0\"]\n  publc_url: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	for _, args := range [][]string{
		{"--config", file, "--data-dir", data},
		{"serve", "--config", file, "--data-dir", data},
		{"migrate", "--config", file, "--data-dir", data},
		{"config", "check", "--config", file},
	} {
		_, stderr, code := run(t, args...)
		if code != 2 || !strings.Contains(stderr, "http.publc_url (line 3): unknown key") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the data directory was created: %v", err)
	}
}

func TestInvalidValuesAreAllListed(t *testing.T) {
	t.Parallel()
	_, stderr, code := run(t, "config", "check", "--listen", "nope", "--public-url", "https://x.example/?q", "--database", "mysql://db")
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"http.listen[0]", "http.public_url", "database.url"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestUnknownFlagExitsTwo(t *testing.T) {
	t.Parallel()
	if _, _, code := run(t, "--no-such-flag"); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}

func TestConfigGenerateIsValidAndFresh(t *testing.T) {
	t.Parallel()
	first, _, code := run(t, "config", "generate")
	second, _, _ := run(t, "config", "generate")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if first == second {
		t.Error("two generated configs share their secret")
	}
	cfg, err := config.Parse([]byte(first))
	if err != nil {
		t.Fatal(err)
	}
	if ps := cfg.Validate(); ps != nil {
		t.Fatal(ps)
	}
	if len(cfg.Secrets.Encryption) != 64 {
		t.Errorf("secret %q", cfg.Secrets.Encryption)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "gen.yaml")
	if err := os.WriteFile(file, []byte(first), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "config", "check", "--config", file)
	if code != 0 || !strings.Contains(out, "configuration is valid") || !strings.Contains(out, "warning: the issuer http://127.0.0.1:8080/ uses http") {
		t.Errorf("check: exit %d\n%s", code, out)
	}
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, stderr, code := run(t, "migrate", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "database schema is at version ") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "mxauth.db")); err != nil {
		t.Error(err)
	}
	again, _, _ := run(t, "migrate", "--data-dir", dir)
	if again != out {
		t.Errorf("second run: %q, first %q", again, out)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	out, _, code := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "mxauth ") {
		t.Errorf("exit %d: %q", code, out)
	}
}

func TestClientCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "mxauth.yaml")
	cfg := "data_dir: " + dir + "\nclients:\n  - client_id: bot\n    client_secret: hunter2-secret\n    client_name: Bot\n    redirect_uris: [\"https://bot.example/cb\"]\n"
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// The server syncs static clients at start; the commands read what it stored.
	loaded, err := config.Load(file, nil, config.Overrides{Listen: []string{"127.0.0.1:0"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(t.Context(), app.Options{Config: loaded, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()

	out, stderr, code := run(t, "client", "list", "--config", file)
	if code != 0 || !strings.Contains(out, "bot") || !strings.Contains(out, "static") || !strings.Contains(out, "client_secret_basic") {
		t.Errorf("list: exit %d\n%s%s", code, out, stderr)
	}
	out, _, code = run(t, "client", "show", "bot", "--config", file)
	if code != 0 || !strings.Contains(out, "redirect_uri:") || !strings.Contains(out, "https://bot.example/cb") || !strings.Contains(out, "never shown") {
		t.Errorf("show: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "hunter2") {
		t.Error("the secret was printed")
	}
	if _, stderr, code := run(t, "client", "show", "nobody", "--config", file); code != 1 || !strings.Contains(stderr, `no client "nobody"`) {
		t.Errorf("show unknown: exit %d %s", code, stderr)
	}
	if _, _, code := run(t, "client", "list", "--origin", "weird", "--config", file); code != 2 {
		t.Errorf("bad --origin: exit %d", code)
	}
}
