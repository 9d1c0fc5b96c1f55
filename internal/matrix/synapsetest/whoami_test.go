package synapsetest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func whoami(t *testing.T, hsURL, token string) (int, map[string]any) {
	t.Helper()
	status, answer, _ := send(t, "GET", hsURL+"/_matrix/client/v3/account/whoami", token, "")
	return status, answer
}

func TestWhoami(t *testing.T) {
	t.Parallel()
	hs, mas, _ := setup(t)
	hs.AddUser("alice")
	hs.AddDevice("alice", "DEV1")
	hs.AddDevice("alice", "DEV2")
	alice := map[string]any{"user_id": "@alice:example.org", "device_id": "DEV1", "is_guest": false}
	long := strings.Repeat("x", 256)
	hs.AddDevice("alice", long)
	tests := []struct {
		name        string
		answer      string // mxauth's introspection answer; "" = none registered (inactive)
		wantStatus  int
		wantErrcode string
		want        map[string]any
	}{
		{"stable scope with device scope", `{"active":true,"username":"alice","scope":"openid urn:matrix:client:api:* urn:matrix:client:device:DEV1","expires_in":300}`, 200, "", alice},
		{"unstable scope accepted", `{"active":true,"username":"alice","scope":"urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:DEV1"}`, 200, "", alice},
		{"both forms of one device", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:* urn:matrix:client:device:DEV1 urn:matrix:org.matrix.msc2967.client:device:DEV1"}`, 200, "", alice},
		{"explicit device_id wins", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:* urn:matrix:client:device:DEV2","device_id":"DEV1","client_id":"legacy","sub":"01J"}`, 200, "", alice},
		{"no device", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:*"}`, 200, "", map[string]any{"user_id": "@alice:example.org", "is_guest": false}},
		{"inactive", "", 401, "M_UNKNOWN_TOKEN", nil},
		{"expired at once", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:*","expires_in":0}`, 401, "M_UNKNOWN_TOKEN", nil},
		{"no API scope", `{"active":true,"username":"alice","scope":"openid urn:matrix:client:device:DEV1"}`, 401, "M_UNKNOWN_TOKEN", nil},
		{"no scope at all", `{"active":true,"username":"alice"}`, 401, "M_UNKNOWN_TOKEN", nil},
		{"missing username", `{"active":true,"scope":"urn:matrix:client:api:*"}`, 500, "M_FORBIDDEN", nil},
		{"user not on the homeserver", `{"active":true,"username":"bob","scope":"urn:matrix:client:api:*"}`, 500, "M_FORBIDDEN", nil},
		{"two device scopes", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:* urn:matrix:client:device:DEV1 urn:matrix:client:device:DEV2"}`, 500, "M_FORBIDDEN", nil},
		{"empty device_id", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:*","device_id":""}`, 500, "M_FORBIDDEN", nil},
		{"device_id too long", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:*","device_id":"` + long + `"}`, 500, "M_FORBIDDEN", nil},
		{"device not on the homeserver", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:* urn:matrix:client:device:GONE"}`, 401, "M_UNKNOWN_TOKEN", nil},
		{"float expires_in", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:*","expires_in":300.0}`, 503, "M_UNKNOWN", nil},
		{"string expires_in", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:*","expires_in":"300"}`, 503, "M_UNKNOWN", nil},
		{"string active", `{"active":"true","username":"alice","scope":"urn:matrix:client:api:*"}`, 503, "M_UNKNOWN", nil},
		{"missing active", `{"username":"alice","scope":"urn:matrix:client:api:*"}`, 503, "M_UNKNOWN", nil},
		{"scope as a list", `{"active":true,"username":"alice","scope":["urn:matrix:client:api:*"]}`, 503, "M_UNKNOWN", nil},
		{"retrieved_at_ms in the answer", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:*","retrieved_at_ms":1}`, 503, "M_UNKNOWN", nil},
		{"not JSON", `<html>`, 503, "M_UNKNOWN", nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := "mat_token" + string(rune('A'+i))
			if tt.answer != "" {
				mas.answer(token, tt.answer)
			}
			status, answer := whoami(t, hs.URL(), token)
			if status != tt.wantStatus || errcode(answer) != tt.wantErrcode {
				t.Fatalf("whoami = %d %v, want %d %s", status, answer, tt.wantStatus, tt.wantErrcode)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, answer); diff != "" {
					t.Errorf("whoami (-want +got):\n%s", diff)
				}
			}
			if tt.wantErrcode == "M_UNKNOWN_TOKEN" && answer["soft_logout"] != false {
				t.Errorf("soft_logout = %v, want false", answer["soft_logout"])
			}
		})
	}
}

func TestWhoamiRequestToMAS(t *testing.T) {
	t.Parallel()
	hs, mas, _ := setup(t)
	hs.AddUser("alice")
	mas.answer("tok en+/", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:*"}`)
	if status, answer := whoami(t, hs.URL(), "tok en+/"[:3]); status != 401 {
		t.Fatalf("whoami with an unknown token = %d %v", status, answer)
	}
	status, _, _ := send(t, "GET", hs.URL()+"/_matrix/client/v3/account/whoami?access_token=tok%20en%2B%2F", "", "")
	if status != 200 {
		t.Fatalf("whoami with the token as query parameter = %d", status)
	}
	mas.set(func(f *fakeMAS) {
		got := map[string]string{
			"method":         f.lastIntrospect.Method,
			"Authorization":  f.lastIntrospect.Header.Get("Authorization"),
			"Accept":         f.lastIntrospect.Header.Get("Accept"),
			"Content-Type":   f.lastIntrospect.Header.Get("Content-Type"),
			"X-MAS-Supports": f.lastIntrospect.Header.Get("X-MAS-Supports-Device-Id"),
			"form":           f.lastForm,
		}
		want := map[string]string{
			"method": "POST", "Authorization": "Bearer " + secret, "Accept": "application/json",
			"Content-Type": "application/x-www-form-urlencoded", "X-MAS-Supports": "1",
			"form": "token=tok+en%2B%2F&token_type_hint=access_token",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("introspection request (-want +got):\n%s", diff)
		}
	})
}

func TestWhoamiTokenErrors(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	tests := []struct {
		name        string
		header      []string
		query       string
		wantStatus  int
		wantErrcode string
	}{
		{"no token", nil, "", 401, "M_MISSING_TOKEN"},
		{"basic scheme", []string{"Basic YTpi"}, "", 401, "M_MISSING_TOKEN"},
		{"two headers", []string{"Bearer a", "Bearer b"}, "", 400, "M_MISSING_PARAM"},
		{"header and query", []string{"Bearer a"}, "?access_token=b", 400, "M_MISSING_PARAM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("GET", hs.URL()+"/_matrix/client/v3/account/whoami"+tt.query, nil)
			for _, h := range tt.header {
				req.Header.Add("Authorization", h)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
		})
	}
}

// TestIntrospectionCache checks Synapse's two-minute cache keyed by token: only answers
// that parse are kept, and a missing device drops the entry.
func TestIntrospectionCache(t *testing.T) {
	t.Parallel()
	hs, mas, clk := setup(t)
	hs.AddUser("alice")
	hs.AddDevice("alice", "DEV1")
	good := `{"active":true,"username":"alice","scope":"urn:matrix:client:api:* urn:matrix:client:device:DEV1","expires_in":60}`
	mas.answer("t1", good)

	expect := func(step string, wantStatus, wantCalls int) {
		t.Helper()
		status, answer := whoami(t, hs.URL(), "t1")
		if status != wantStatus || mas.calls("t1") != wantCalls {
			t.Fatalf("%s: whoami = %d %v after %d introspections, want %d after %d", step, status, answer, mas.calls("t1"), wantStatus, wantCalls)
		}
	}
	expect("first use", 200, 1)
	expect("cached", 200, 1)
	// mxauth revoking the token is not seen while the entry lives...
	mas.answer("t1", `{"active":false}`)
	clk.Advance(59 * time.Second)
	expect("still cached", 200, 1)
	// ...but expires_in is checked against the time it was fetched.
	clk.Advance(time.Second)
	expect("expired by expires_in", 401, 1)
	clk.Advance(time.Minute)
	expect("cache entry gone after two minutes", 401, 2)
	expect("inactive answers are cached too", 401, 2)

	// Answers that do not parse are not cached.
	mas.answer("t2", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:*","expires_in":1.5}`)
	for range 2 {
		if status, _ := whoami(t, hs.URL(), "t2"); status != 503 {
			t.Fatalf("float expires_in = %d, want 503", status)
		}
	}
	if n := mas.calls("t2"); n != 2 {
		t.Errorf("a failed parse was cached: %d introspections, want 2", n)
	}

	// Deleting the device ends the token at once and drops the cache entry.
	mas.answer("t3", good)
	if status, _ := whoami(t, hs.URL(), "t3"); status != 200 {
		t.Fatalf("t3 = %d", status)
	}
	if status, _ := mas_(t, hs.URL(), "delete_device", `{"localpart":"alice","device_id":"DEV1"}`); status != 204 {
		t.Fatalf("delete_device = %d", status)
	}
	// The first check still uses the cached answer, then drops it; the next asks again.
	for want := 1; want <= 2; want++ {
		if status, _ := whoami(t, hs.URL(), "t3"); status != 401 || mas.calls("t3") != want {
			t.Fatalf("after logout: whoami = %d with %d introspections, want 401 with %d", status, mas.calls("t3"), want)
		}
	}

	// Transport failures and error statuses are 503 and not cached.
	mas.set(func(f *fakeMAS) { f.introspectStatus = http.StatusInternalServerError })
	mas.answer("t4", good)
	if status, answer := whoami(t, hs.URL(), "t4"); status != 503 || answer["error"] != "Unable to introspect the access token" {
		t.Fatalf("introspection answering 500: whoami = %d %v", status, answer)
	}
	mas.set(func(f *fakeMAS) { f.introspectStatus = http.StatusOK })
	hs.AddDevice("alice", "DEV1")
	if status, _ := whoami(t, hs.URL(), "t4"); status != 200 {
		t.Fatalf("after recovery whoami = %d", status)
	}
}

func mas_(t *testing.T, hsURL, name, body string) (int, map[string]any) {
	t.Helper()
	status, answer, _ := send(t, "POST", hsURL+"/_synapse/mas/"+name, secret, body)
	return status, answer
}

func TestWhoamiWithoutMAS(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	hs.SetMAS("http://127.0.0.1:1") // nothing listens there
	if status, answer := whoami(t, hs.URL(), "tok"); status != 503 {
		t.Errorf("whoami with mxauth down = %d %v, want 503", status, answer)
	}
}
