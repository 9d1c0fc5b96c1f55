package bench

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// RegistrationPath is the dynamic client registration endpoint (RFC 7591 §3).
const RegistrationPath = "/oauth2/registration"

// Register is the "register" scenario: POST client metadata, expect 201. With Unique, every
// request carries a different client_name, so every one stores a new client (the write path);
// otherwise all requests are identical and the server answers from its de-duplication (the
// path Matrix clients take, since they register before every login).
//
// The server's per-IP registration rate limit must be raised for this scenario (the load comes
// from one address): set registration.rate_limit.burst very high in the server's config.
type Register struct {
	Unique bool
}

// Description implements Scenario.
func (r Register) Description() string {
	if r.Unique {
		return "POST " + RegistrationPath + " with a new client_name each time (each stores a client), expect 201"
	}
	return "POST " + RegistrationPath + " with one identical body (de-duplicated), expect 201"
}

// NewRequester implements Scenario.
func (r Register) NewRequester(worker int, baseURL *url.URL) (Requester, error) {
	return &registerRequester{
		url:    baseURL.JoinPath(RegistrationPath).String(),
		unique: r.Unique,
		worker: worker,
	}, nil
}

type registerRequester struct {
	url    string
	unique bool
	worker int
	n      int
	buf    bytes.Buffer
}

// registerBody is a native client's registration, as Element X sends it (CLIENTS.md §3).
const registerBody = `{"client_name":"%s","client_uri":"https://bench.example.org/",` +
	`"redirect_uris":["org.example.bench:/callback","http://127.0.0.1/callback"],` +
	`"application_type":"native","token_endpoint_auth_method":"none",` +
	`"grant_types":["authorization_code","refresh_token"],"response_types":["code"]}`

func (r *registerRequester) Next() (*http.Request, Expect, error) {
	name := "mxauth-bench"
	if r.unique {
		r.n++
		name = "mxauth-bench " + strconv.Itoa(r.worker) + "-" + strconv.Itoa(r.n)
	}
	r.buf.Reset()
	fmt.Fprintf(&r.buf, registerBody, name)
	body := r.buf.Bytes()
	req, err := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return req, Expect{http.StatusCreated}, nil
}
