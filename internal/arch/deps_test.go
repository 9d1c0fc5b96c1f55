package arch

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/mxauth/mxauth"

type pkg struct {
	ImportPath string
	Dir        string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func TestLayering(t *testing.T) {
	t.Parallel()
	backends := []string{module + "/internal/store/sqlite", module + "/internal/store/postgres"}
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(p.ImportPath, module+"/")
		switch {
		case rel == "internal/oauth2" || rel == "internal/model":
			for _, forbidden := range []string{"net/http", "database/sql"} {
				if slices.Contains(p.Deps, forbidden) {
					t.Errorf("%s depends on %s; it must stay free of I/O", rel, forbidden)
				}
			}
		case rel == "internal/store":
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, module+"/") && imp != module+"/internal/model" && imp != module+"/internal/oauth2" {
					t.Errorf("internal/store imports %s; it may import only model and oauth2", imp)
				}
			}
		}
		if strings.HasPrefix(rel, "internal/web") || strings.HasPrefix(rel, "internal/worker") {
			for _, b := range backends {
				if slices.Contains(p.Deps, b) {
					t.Errorf("%s depends on the backend %s; only internal/app may", rel, b)
				}
			}
		}
		if rel != "internal/app" && !strings.HasPrefix(rel, "internal/store/") {
			for _, b := range backends {
				if slices.Contains(p.Imports, b) {
					t.Errorf("%s imports the backend %s; only internal/app may", rel, b)
				}
			}
		}
		switch filepath.Base(rel) {
		case "util", "utils", "common", "helpers", "misc":
			t.Errorf("%s: no grab-bag packages (house rule 1)", rel)
		}
		if strings.HasPrefix(rel, "internal/") {
			if _, err := os.Stat(filepath.Join(p.Dir, "doc.go")); err != nil {
				t.Errorf("%s has no doc.go saying what it owns", rel)
			}
		}
	}
}
