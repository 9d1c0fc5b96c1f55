package synapse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mxauth/mxauth/internal/matrix"
)

// DefaultTimeout bounds each call when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// maxAnswerBytes caps what is read of any answer. Synapse caps what it reads from MAS at
// 1 MiB (SYNAPSE.md §1.2); the same bound keeps a broken homeserver from exhausting memory.
const maxAnswerBytes = 1 << 20

// Options configure a Client.
type Options struct {
	// Endpoint is Synapse's base URL (MAS's matrix.endpoint), absolute http or https.
	Endpoint string
	// Secret is the shared secret, Synapse's matrix_authentication_service.secret.
	Secret string
	// HTTPClient sends the requests; nil means a client of its own with the default transport.
	HTTPClient *http.Client
	// Timeout bounds each call; zero means DefaultTimeout.
	Timeout time.Duration
}

// Client calls Synapse's /_synapse/mas API. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	secret  string
	http    *http.Client
	timeout time.Duration
}

var _ matrix.Homeserver = (*Client)(nil)

// New checks opts and returns a Client.
func New(opts Options) (*Client, error) {
	base, err := url.Parse(opts.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("synapse: endpoint: %w", err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("synapse: endpoint %q must be an absolute http(s) URL", opts.Endpoint)
	}
	if base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return nil, fmt.Errorf("synapse: endpoint %q must have no credentials, query or fragment", opts.Endpoint)
	}
	if opts.Secret == "" {
		return nil, errors.New("synapse: the shared secret is empty")
	}
	if opts.Timeout < 0 {
		return nil, errors.New("synapse: negative timeout")
	}
	c := &Client{base: base, secret: opts.Secret, http: opts.HTTPClient, timeout: opts.Timeout}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	// Like MAS (endpoint.join), the API lives below the endpoint's path.
	c.base.Path = strings.TrimRight(c.base.Path, "/") + "/_synapse/mas/"
	c.base.RawPath = ""
	return c, nil
}

// call is one request of the §1.3 table.
type call struct {
	method    string
	name      string // the path below /_synapse/mas/
	localpart string // the query parameter, for GET calls
	body      any    // marshalled as JSON, for POST calls
	accept    []int  // the statuses that mean success
	answer    any    // where a success body is decoded; nil to ignore it
	userCall  bool   // a 404 M_NOT_FOUND means ErrUserNotFound
}

// do sends c and returns the success status, or an error that says which call failed.
func (cl *Client) do(ctx context.Context, c call) (int, error) {
	status, err := cl.send(ctx, c)
	if err != nil {
		return 0, fmt.Errorf("synapse %s: %w", c.name, err)
	}
	return status, nil
}

func (cl *Client) send(ctx context.Context, c call) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, cl.timeout)
	defer cancel()

	target := *cl.base
	target.Path += c.name
	var body io.Reader
	if c.body != nil {
		encoded, err := json.Marshal(c.body)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(encoded)
	} else {
		target.RawQuery = url.Values{"localpart": {c.localpart}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, c.method, target.String(), body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+cl.secret)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return 0, fmt.Errorf("reading the answer: %w", err)
	}
	if len(answer) > maxAnswerBytes {
		return 0, fmt.Errorf("the answer (status %d) is larger than %d bytes", resp.StatusCode, maxAnswerBytes)
	}
	if !slices.Contains(c.accept, resp.StatusCode) {
		return 0, answerError(resp.StatusCode, answer, c.userCall)
	}
	if c.answer != nil {
		if err := json.Unmarshal(answer, c.answer); err != nil {
			return 0, fmt.Errorf("decoding the answer: %w", err)
		}
	}
	return resp.StatusCode, nil
}

// answerError turns an unexpected answer into a *matrix.Error, reading the Matrix error body
// (Client-Server API "Standard error response") when there is one.
func answerError(status int, body []byte, userCall bool) error {
	var matrixBody struct {
		ErrCode string `json:"errcode"`
		Error   string `json:"error"`
	}
	merr := &matrix.Error{Status: status}
	if json.Unmarshal(body, &matrixBody) == nil {
		merr.ErrCode, merr.Message = matrixBody.ErrCode, matrixBody.Error
	}
	if status >= 200 && status < 300 {
		// Synapse answers each call with one documented status; another 2xx means the
		// endpoint is not the one SYNAPSE.md describes.
		merr.Message = fmt.Sprintf("unexpected success status %d", status)
	}
	if userCall && status == http.StatusNotFound && merr.ErrCode == "M_NOT_FOUND" {
		return fmt.Errorf("%w: %w", matrix.ErrUserNotFound, merr)
	}
	return merr
}
