package template

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStylesheetPathIsContentHashed(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	if !regexp.MustCompile(`^/assets/style\.[0-9a-f]{16}\.css$`).MatchString(r.StylesheetPath()) {
		t.Errorf("StylesheetPath() = %q, want /assets/style.<16 hex>.css", r.StylesheetPath())
	}
	if other := newStylesheet(append(bytes.Clone(styleCSS), ' ')); other.path == r.StylesheetPath() {
		t.Errorf("changed stylesheet kept the path %s", other.path)
	}
	if again := newStylesheet(bytes.Clone(styleCSS)); again.path != r.StylesheetPath() {
		t.Errorf("same stylesheet got path %s, then %s", r.StylesheetPath(), again.path)
	}
}

func TestAssetHandler(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	h := r.AssetHandler()
	css := r.StylesheetPath()
	etag := `"` + css[len("/assets/style."):len(css)-len(".css")] + `"`
	cached := http.Header{
		"Content-Type":  {"text/css; charset=utf-8"},
		"Cache-Control": {"public, max-age=31536000, immutable"},
		"Etag":          {etag},
	}
	tests := []struct {
		name       string
		method     string
		path       string
		header     http.Header
		wantStatus int
		wantBody   []byte
		wantHeader http.Header // only these keys are compared
	}{
		{"get", http.MethodGet, css, nil, http.StatusOK, styleCSS, cached},
		{"head", http.MethodHead, css, nil, http.StatusOK, nil, cached},
		{"revalidation", http.MethodGet, css, http.Header{"If-None-Match": {etag}}, http.StatusNotModified, nil, http.Header{"Etag": {etag}}},
		{"old hash", http.MethodGet, "/assets/style.0000000000000000.css", nil, http.StatusNotFound, nil, nil},
		{"other file", http.MethodGet, "/assets/../go.mod", nil, http.StatusNotFound, nil, nil},
		{"prefix only", http.MethodGet, "/assets/", nil, http.StatusNotFound, nil, nil},
		{"post", http.MethodPost, css, nil, http.StatusMethodNotAllowed, nil, http.Header{"Allow": {"GET, HEAD"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tc.method, "http://mxauth.example"+tc.path, nil)
			for k, v := range tc.header {
				req.Header[k] = v
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
			if tc.wantBody != nil && !bytes.Equal(rec.Body.Bytes(), tc.wantBody) {
				t.Errorf("body is %d bytes, want the %d-byte stylesheet", rec.Body.Len(), len(tc.wantBody))
			}
			if tc.method == http.MethodHead && rec.Body.Len() != 0 {
				t.Errorf("HEAD answered a %d-byte body", rec.Body.Len())
			}
			got := http.Header{}
			for k := range tc.wantHeader {
				got[k] = rec.Header()[k]
			}
			if diff := cmp.Diff(tc.wantHeader, got, cmpNilEmpty); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpNilEmpty = cmp.FilterValues(func(a, b http.Header) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())
