package apptest

import (
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"testing"

	"golang.org/x/oauth2"

	"github.com/mxauth/mxauth/internal/golden"
)

// tokenValues matches the random parts of a response body, so the rest can be a golden file.
var tokenValues = regexp.MustCompile(`"(mat|mar)_[A-Za-z0-9]{30}_[A-Za-z0-9]{6}"`)

func rawToken(t *testing.T, s *Server, form url.Values) []byte {
	t.Helper()
	resp, err := s.Client.PostForm(s.URL+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var pretty map[string]any
	if err := json.Unmarshal(body, &pretty); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	out, _ := json.MarshalIndent(pretty, "", "  ")
	return append(tokenValues.ReplaceAll(out, []byte(`"${1}_…"`)), '\n')
}

// TestTokenResponsesGolden pins the exact JSON of the token endpoint's answers.
func TestTokenResponsesGolden(t *testing.T) {
	t.Parallel()
	s := Start(t, nil)
	s.CreateUser(t, "alice", testPassword)
	clientID := nativeClient(t, s, "")
	verifier := oauth2.GenerateVerifier()
	code := codeFor(t, s, s.NewBrowser(t), clientID, loopbackCB, stableScope, verifier, nil)
	golden.Assert(t, "token_code.json", rawToken(t, s, exchangeForm(clientID, code, loopbackCB, verifier)))
	golden.Assert(t, "token_code_replayed.json", rawToken(t, s, exchangeForm(clientID, code, loopbackCB, verifier)))
	golden.Assert(t, "token_unsupported_grant.json", rawToken(t, s, url.Values{"grant_type": {"password"}, "client_id": {clientID}}))
	golden.Assert(t, "token_refresh_garbage.json", rawToken(t, s, refreshForm(clientID, "mar_nope")))
}
