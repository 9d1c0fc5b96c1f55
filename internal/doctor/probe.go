package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxBodyBytes caps every body read: the documents checked are a few kilobytes, and a
// misrouted URL must not make the doctor read a large download.
const maxBodyBytes = 1 << 20

// prober sends the checks' requests, each with its own timeout.
type prober struct {
	client *http.Client
	// direct is client without redirects: the routing checks look at the first answer.
	direct  *http.Client
	timeout time.Duration
}

func newProber(client *http.Client, timeout time.Duration) prober {
	if client == nil {
		client = &http.Client{}
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	direct := *client
	direct.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return prober{client: client, direct: &direct, timeout: timeout}
}

// reply is a response read whole (up to maxBodyBytes).
type reply struct {
	status int
	header http.Header
	body   []byte
}

// request describes one request of a check.
type request struct {
	method string
	url    string
	// body is sent as JSON when not nil.
	body []byte
	// header is added to the request.
	header map[string]string
	// direct: do not follow redirects.
	direct bool
}

// do sends req and reads the answer. The error says what went wrong in words an operator
// can act on; it never contains a header value, so never the shared secret.
func (p prober) do(ctx context.Context, req request) (reply, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return reply{}, fmt.Errorf("cannot request %s: %v", req.url, err)
	}
	hr.Header.Set("Accept", "application/json")
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.header {
		hr.Header.Set(k, v)
	}
	client := p.client
	if req.direct {
		client = p.direct
	}
	resp, err := client.Do(hr)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return reply{}, fmt.Errorf("%s %s: no answer within %s", req.method, req.url, p.timeout)
		}
		return reply{}, err // *url.Error: method, URL and cause
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: reading the answer: %v", req.method, req.url, err)
	}
	if len(raw) > maxBodyBytes {
		return reply{}, fmt.Errorf("%s %s: the answer is larger than 1 MiB", req.method, req.url)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}

// get is do for a plain GET that follows redirects.
func (p prober) get(ctx context.Context, url string) (reply, error) {
	return p.do(ctx, request{method: http.MethodGet, url: url})
}

// jsonObject decodes a JSON object's members; anything else (null, an array, invalid JSON)
// is an error.
func jsonObject(body []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, errors.New("the answer is not a JSON object")
	}
	return m, nil
}

// matrixErrcode returns the errcode of a Matrix error body, "" when there is none.
func matrixErrcode(body []byte) string {
	var e struct {
		Errcode string `json:"errcode"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Errcode
}
